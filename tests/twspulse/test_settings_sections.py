"""Nested settings: each component takes only its section; the environment's variables stay flat."""

from __future__ import annotations

import pytest

from twspulse.settings import SECTIONS, LlmSettings, Settings, TwsSettings, load_settings


def test_every_variable_belongs_to_exactly_one_section_and_settings_is_each_of_them() -> None:
    owners: dict[str, list[str]] = {}
    for section in SECTIONS:
        assert issubclass(Settings, section)
        for name in section.model_fields:
            owners.setdefault(name, []).append(section.__name__)
    assert set(owners) == set(Settings.model_fields)
    assert {name: where for name, where in owners.items() if len(where) > 1} == {}


def test_a_section_carries_its_own_values_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TWSPULSE_TWS_URL", "https://tws.example.com:31116/twsd/api/v2")
    monkeypatch.setenv("TWSPULSE_LLM_MODEL", "granite-8b")
    settings = load_settings()
    tws, llm = settings.tws, settings.llm
    assert type(tws) is TwsSettings and type(llm) is LlmSettings
    assert tws.tws_url == "https://tws.example.com:31116/twsd/api/v2" and llm.llm_model == "granite-8b"
    assert set(tws.model_dump()) == set(TwsSettings.model_fields)
    assert not hasattr(tws, "llm_model") and not hasattr(llm, "tws_url")  # a component sees only its part


def test_a_bad_variable_still_names_itself() -> None:
    with pytest.raises(ValueError, match="tws_page_size"):
        load_settings(tws_page_size=0)
