"""Online template mining of log lines with Drain3, with a state the caller owns as bytes.

The joblog stage mines the error lines of every failed run as they arrive, so mining is online (one
line at a time, templates refine as more lines come) and the state must survive restarts: the caller
keeps `to_bytes()` next to the rows it wrote (for example in one database row, in the same transaction)
and gives it to `from_bytes()` on start, so a pattern keeps its id for the life of the deployment.

Pattern ids are "P" + Drain's cluster id. A cluster id is assigned once, when the cluster is created,
and never changes when the template generalises later ("user alice logged in" -> "user <*> logged in");
an id built from a hash of the template would change exactly then. Cluster ids come from a counter
that is part of the persisted state, so a restored miner continues the sequence, and Drain is
deterministic: replaying the same lines after a crash from the same state gives the same ids.

Drain3's persistence handlers are left out: TemplateMiner would snapshot on its own schedule into a
place it owns, and it pickles with jsonpickle, which can build arbitrary objects when loading. The
state here is plain JSON of the prefix tree and the clusters (compressed), written only on request.

Speed: masking and Drain cost tens of microseconds per line in pure Python. The masker caches by the
line's digit shape (see masking.Masker), and a masked line seen before maps straight to its result as
long as no cluster of its token count was created or changed since (then Drain would give the same
answer, see `_remember`). Steady-state logs are mostly such lines, so most lines cost a byte
translation and two dict lookups: 400,000-500,000 lines/s on one core (bench/patterns_loghub.py).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from drain3 import TemplateMiner
from drain3.drain import Drain, LogCluster, LogClusterCache, Node
from drain3.template_miner_config import TemplateMinerConfig

from streams.patterns.exceptions import CorruptStateError, IncompatibleStateError
from streams.patterns.masking import MASKING_VERSION, Masker

STATE_FORMAT = 1
_MAGIC = b"twspulse-patterns\n"


@dataclass(frozen=True, slots=True)
class MinedLine:
    """The pattern a line belongs to: its stable id, the pattern's current template, whether it is new.

    `template_changed` is true when this line generalised an existing pattern's template (the caller
    updates its stored template then).
    """

    pattern_id: str
    template: str
    is_new: bool
    template_changed: bool = False


@dataclass(frozen=True, slots=True)
class MinerConfig:
    """Drain's parameters, tuned once on the eight LogHub samples for all of them (never per data set).

    - sim_th 0.75: masks already turn the variable parts into literal tokens, so what still differs
      between two lines is mostly wording, and wording differences mean different messages ("cupsd
      startup succeeded" / "cupsd shutdown succeeded"). Drain3's default 0.4 merges those. Mean GA on
      LogHub: 0.90 at 0.4-0.5, 0.94 at 0.7, 0.955 at 0.75, 0.962 at 0.8, 0.88 at 0.85. 0.8 was not
      taken: it only gains on Linux labels that split one message by its user name (user=root vs
      user=guest), and sits at the cliff where a 5-token line with one unmasked word still merges
      (4/5) but 0.85 already splits it. On simulated joblogs 0.6-0.8 give the same patterns.
    - depth 5: Drain routes on the token count and the first depth-2 = 3 tokens; with masks, early
      tokens are mostly literal (`<DATE> ERROR [JOB]`). depth 4 loses 0.07 GA on OpenSSH, 6 loses too.
    - max_children 100, parametrize_numeric_tokens: Drain3's defaults; numbers are masked before, so
      the flag only affects tokens with digits glued to letters.
    - extra_delimiters: none. Splitting on "=" or ":" would make key=value pairs two tokens each,
      but the masks already turn their values into one literal token.
    - max_clusters: None (unbounded). Error lines of failed runs make few patterns; a deployment that
      mines arbitrary logs can bound memory with it, at the price that an evicted pattern's lines
      come back under a new id.
    - max_line_chars: a line is cut there before mining; a 1 MB line of hex would otherwise make a
      cluster with a million tokens and a state to match.
    """

    sim_th: float = 0.75
    depth: int = 5
    max_children: int = 100
    max_clusters: int | None = None
    extra_delimiters: tuple[str, ...] = ()
    parametrize_numeric_tokens: bool = True
    max_line_chars: int = 2000

    def drain_config(self) -> TemplateMinerConfig:
        """Drain3's config object built in code (no drain3.ini is read); no masking: lines come masked."""
        config = TemplateMinerConfig()
        config.drain_sim_th = self.sim_th
        config.drain_depth = self.depth
        config.drain_max_children = self.max_children
        config.drain_max_clusters = self.max_clusters
        config.drain_extra_delimiters = list(self.extra_delimiters)
        config.parametrize_numeric_tokens = self.parametrize_numeric_tokens
        config.masking_instructions = []
        config.profiling_enabled = False
        return config


class PatternMiner:
    """Mines templates from log lines online; state in and out as bytes. Not thread-safe.

    `cache_size` bounds the cache of results by masked line (the masker has its own); caches are
    derived data, never persisted, and do not change any result.
    """

    def __init__(self, config: MinerConfig | None = None, masker: Masker | None = None, cache_size: int = 200_000):
        self.config = config or MinerConfig()
        self._masker = masker or Masker()
        self._template_miner = TemplateMiner(persistence_handler=None, config=self.config.drain_config())
        self._drain: Drain = self._template_miner.drain
        self._cache_size = cache_size
        # masked line -> (its token count, that count's generation when cached, result); see _remember
        self._known: dict[str, tuple[int, int, MinedLine]] = {}
        self._generations: dict[int, int] = {}

    def mask(self, line: str) -> str:
        """The line as the miner sees it: cut to max_line_chars, masked."""
        return self._masker.mask(line[: self.config.max_line_chars])

    def add(self, line: str) -> MinedLine:
        """Learn from `line` and return its pattern (a new one if nothing known is similar enough)."""
        masked = self.mask(line)
        entry = self._known.get(masked)
        if entry is not None and self._generations.get(entry[0], 0) == entry[1]:
            known = entry[2]
            # Touch the cluster as Drain would: size counts lines, and an LRU bound sees it as used.
            self._drain.id_to_cluster[int(known.pattern_id[1:])].size += 1
            return known
        cluster, change = self._drain.add_log_message(masked)
        pattern_id = f"P{cluster.cluster_id}"
        template = cluster.get_template()
        self._remember(masked, len(cluster.log_template_tokens), change, MinedLine(pattern_id, template, False))
        return MinedLine(pattern_id, template, change == "cluster_created", change == "cluster_template_changed")

    def _remember(self, masked: str, token_count: int, change: str, result: MinedLine) -> None:
        """Cache the result of a masked line, keeping the cache exactly equal to what Drain would answer.

        Once `masked` was added, adding it again reaches the same cluster unchanged: its tokens now
        match the template wherever the template is literal, and routing only follows existing nodes.
        Creating or changing a cluster may alter routing or best matches of other lines, but only of
        lines with the same token count: Drain's tree splits by token count first and never compares
        lines with clusters of another length. So a change bumps the generation of its token count,
        which invalidates exactly the cached lines of that length; a stream that keeps meeting new
        messages keeps the cache of every other length warm. An LRU bound (max_clusters) may evict a
        cluster of any length, so with one a creation empties the whole cache. Exact equality matters:
        the cache is not persisted, and replay after a restart must give the same ids.
        """
        if change != "none":
            self._generations[token_count] = self._generations.get(token_count, 0) + 1
            if change == "cluster_created" and self.config.max_clusters is not None:
                self._known.clear()
        if len(self._known) >= self._cache_size:
            self._known.clear()
        self._known[masked] = (token_count, self._generations.get(token_count, 0), result)

    def match(self, line: str) -> MinedLine | None:
        """The known pattern whose template fits `line` exactly (masks and wildcards aside); learns nothing."""
        cluster = self._drain.match(self.mask(line), full_search_strategy="fallback")
        if cluster is None:
            return None
        return MinedLine(f"P{cluster.cluster_id}", cluster.get_template(), False)

    def template_of(self, pattern_id: str) -> str:
        """The current template of a known pattern; KeyError for an unknown id."""
        cluster = self._cluster(pattern_id)
        return str(cluster.get_template())

    def _cluster(self, pattern_id: str) -> LogCluster:
        cluster = None
        if pattern_id.startswith("P") and pattern_id[1:].isdigit():
            cluster = self._drain.id_to_cluster.get(int(pattern_id[1:]))
        if cluster is None:
            raise KeyError(f"unknown pattern id {pattern_id!r}")
        return cluster

    def patterns(self) -> Iterator[tuple[str, str, int]]:
        """(pattern_id, template, lines seen) of every known pattern, oldest first."""
        for cluster in sorted(self._drain.clusters, key=lambda c: c.cluster_id):
            yield f"P{cluster.cluster_id}", cluster.get_template(), cluster.size

    def __len__(self) -> int:
        return len(self._drain.id_to_cluster)

    def to_bytes(self) -> bytes:
        """The whole mining state (config, masking version, clusters, prefix tree), compressed JSON."""
        drain = self._drain
        state = {
            "format": STATE_FORMAT,
            "masking": MASKING_VERSION,
            "config": {**asdict(self.config), "extra_delimiters": list(self.config.extra_delimiters)},
            "counter": drain.clusters_counter,
            # Dict order is Drain's insertion/LRU order; restoring in that order keeps an LRU bound's choice.
            "clusters": [[c.cluster_id, c.size, list(c.log_template_tokens)] for c in drain.id_to_cluster.values()],
            "tree": _node_to_json(drain.root_node),
        }
        return _MAGIC + zlib.compress(json.dumps(state, separators=(",", ":")).encode("ascii"), 6)

    @classmethod
    def from_bytes(cls, data: bytes, masker: Masker | None = None, cache_size: int = 200_000) -> PatternMiner:
        """A miner in the state `to_bytes` captured, with the config stored in it.

        Raises CorruptStateError for bytes this code did not write, IncompatibleStateError for a
        state of another format or masking version (its templates would not match new lines' masks).
        """
        state = _decode(data)
        if state.get("format") != STATE_FORMAT:
            raise IncompatibleStateError("format", state.get("format"), STATE_FORMAT)
        if state.get("masking") != MASKING_VERSION:
            raise IncompatibleStateError("masking", state.get("masking"), MASKING_VERSION)
        try:
            raw_config = dict(state["config"])
            raw_config["extra_delimiters"] = tuple(raw_config["extra_delimiters"])
            config = MinerConfig(**raw_config)
            miner = cls(config, masker, cache_size)
            drain = miner._drain
            if config.max_clusters is not None:
                drain.id_to_cluster = LogClusterCache(maxsize=config.max_clusters)
            for cluster_id, size, tokens in state["clusters"]:
                cluster = LogCluster([str(t) for t in tokens], int(cluster_id))
                cluster.size = int(size)
                drain.id_to_cluster[cluster.cluster_id] = cluster
            drain.clusters_counter = int(state["counter"])
            drain.root_node = _node_from_json(state["tree"])
        except (KeyError, TypeError, ValueError) as error:
            raise CorruptStateError(f"miner state has an unexpected shape: {error!r}") from error
        return miner


def _decode(data: bytes) -> dict[str, Any]:
    if not data.startswith(_MAGIC):
        raise CorruptStateError(f"not a pattern miner state (starts with {bytes(data[:20])!r})")
    try:
        state = json.loads(zlib.decompress(data[len(_MAGIC) :]))
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise CorruptStateError(f"pattern miner state does not decode: {error}") from error
    if not isinstance(state, dict):
        raise CorruptStateError(f"pattern miner state is a {type(state).__name__}, not an object")
    return state


def _node_to_json(node: Node) -> list[Any]:
    """[children by token, cluster ids]: the tree is depth-bounded (config.depth), so recursion is shallow."""
    return [{token: _node_to_json(child) for token, child in node.key_to_child_node.items()}, list(node.cluster_ids)]


def _node_from_json(raw: list[Any]) -> Node:
    children, cluster_ids = raw
    node = Node()
    node.key_to_child_node = {str(token): _node_from_json(child) for token, child in children.items()}
    node.cluster_ids = [int(cluster_id) for cluster_id in cluster_ids]
    return node
