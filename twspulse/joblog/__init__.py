"""Error-pattern mining of joblogs: frame parsing, error-line picking, masking, online Drain mining.

Modules, in the order data flows through them:
- joblog_frame: split a joblog into the engine's header/footer and the job's output; read their fields.
- error_lines: pick the lines of the output that explain a failure.
- masking: replace the variable parts of a line with typed masks.
- miner: PatternMiner, online Drain3 mining with stable pattern ids and caller-owned state bytes.
- mine_cli: the functions behind `twspulse patterns mine`.
- grouping_accuracy: the LogHub measure used by bench/patterns_loghub.py.
"""

from twspulse.joblog.error_lines import ErrorLine, joblog_error_lines, main_cause, pick_error_lines
from twspulse.joblog.exceptions import (
    CorruptStateError,
    IncompatibleStateError,
    MinerStateError,
    PatternError,
    UnsupportedFormatError,
)
from twspulse.joblog.joblog_frame import JobFooter, JobHeader, JoblogFrame, split_joblog
from twspulse.joblog.masking import Masker
from twspulse.joblog.miner import MinedLine, MinerConfig, PatternMiner

__all__ = [
    "CorruptStateError",
    "ErrorLine",
    "IncompatibleStateError",
    "JobFooter",
    "JobHeader",
    "JoblogFrame",
    "MinedLine",
    "MinerConfig",
    "MinerStateError",
    "Masker",
    "PatternError",
    "PatternMiner",
    "UnsupportedFormatError",
    "joblog_error_lines",
    "main_cause",
    "pick_error_lines",
    "split_joblog",
]
