"""Real model failures stay out of the briefing: replayed Qwen2.5-Coder-1.5B answers through the real `brief` command.

The exchanges in tests/fixtures/recordings/qwen2.5-coder-1.5b-trial/ are REAL recordings (see the README there:
llama.cpp server, temperature 0, prompt version 814c94fb5d35), not synthetic answers. The loopback server
(tests/oai_server.py) answers the real `brief` command with each recorded answer exactly as the model wrote it.
It answers whatever the request is: the prompt has changed since the trial (so `--replay`'s request keys no longer
match), but what is tested here is what verification does with these real answers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from oai_server import OAIServer
from test_faults import brief_env, run_brief

ROOT = Path(__file__).parent.parent
TRIAL = Path(__file__).parent / "fixtures" / "recordings" / "qwen2.5-coder-1.5b-trial"
SECTIONS = ("casualties", "deployments", "arms_transfers", "aid", "diplomacy")


def _replay(folder: Path, article: str, tmp: Path) -> dict[str, Any]:
    out = tmp / f"{folder.name}.json"
    (exchange,) = [p for p in folder.glob("*.json") if p.name != "config.json"]
    response = json.loads(exchange.read_text(encoding="utf-8"))["response"]
    arguments = response["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    with OAIServer(default={"tool_arguments": arguments}) as server:  # the recorded answer, byte for byte
        proc = run_brief([str(ROOT / article), "--model", "qwen", "--base-url", server.base_url, "--no-cache",
                          "--format", "json", "-o", str(out)], brief_env(tmp))
        assert len(server.requests) == 1, "a re-ask would not be the recorded exchange"
    assert proc.returncode == 0, proc.stderr
    b: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert b["run"]["failed"] == [], b["run"]["failed"]
    return b


@pytest.fixture(scope="module")
def seed003(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _replay(TRIAL / "run1-valid", "seeds/003_f9df8e67c73be4ec.txt", tmp_path_factory.mktemp("r1"))


@pytest.fixture(scope="module")
def seed001(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _replay(TRIAL / "run3-seed001", "seeds/001_d228352cad494497.txt", tmp_path_factory.mktemp("r3"))


def _casualty_figures(b: dict[str, Any]) -> list[tuple[str, str]]:
    return [(m, it[m]["text"]) for it in b["casualties"]
            for m in ("killed", "wounded", "captured", "missing", "killed_or_wounded") if it.get(m)]


def test_real_troop_count_is_not_shown_as_casualties(seed003: dict[str, Any]) -> None:
    """Qwen filed "11,000 North Koreans in total operating in Russia" as 11,000 killed or wounded."""
    assert all(text != "11,000" for _, text in _casualty_figures(seed003))
    reasons = [r["reason"] for r in seed003["run"]["rejected"] if "11,000" in json.dumps(r["item"])]
    assert any("not in a clause about killing, wounding, casualties, losses or capture" in r for r in reasons)
    measures = {"killed", "wounded", "captured", "missing", "killed_or_wounded"}
    casualty_estimates = [e for e in seed003["estimates"] if e["measure"] in measures]
    assert all(c["figure"]["text"] != "11,000" for e in casualty_estimates for c in e["claims"]), casualty_estimates


def test_real_non_figure_is_not_shown(seed003: dict[str, Any]) -> None:
    """Qwen gave "around several villages" as a wounded figure (the parser read "several" as 3-9)."""
    shown = json.dumps(_casualty_figures(seed003)) + json.dumps([e["claims"] for e in seed003["estimates"]])
    assert "several villages" not in shown and "combined units" not in shown
    notes = [n for it in seed003["casualties"] for n in it["verification_notes"]]
    assert "wounded 'around several villages' removed: not a number phrase" in notes


def test_real_wrong_measure_is_corrected_and_attributed(seed003: dict[str, Any]) -> None:
    """Qwen filed HUR's "killed or wounded" as killed, with no claimant although the sentence names HUR."""
    thirty = [it for it in seed003["casualties"] if "30" in json.dumps(it.get("killed_or_wounded"))]
    assert len(thirty) == 1
    item = thirty[0]
    assert item["killed"] is None and item["killed_or_wounded"]["text"].lower() == "at least 30"
    assert item["verification"] == "corrected"
    assert "measure corrected: at least 30 killed → killed or wounded (as the article words it)" in (
        item["verification_notes"])
    assert item["claimant"] and "HUR" in item["claimant"]
    assert not any(it["killed"] and it["killed"]["text"].lower() == "at least 30" for it in seed003["casualties"])


def test_real_seed001_false_items_do_not_pass(seed001: dict[str, Any]) -> None:
    """Seed 001: a "withdrawn" deployment, 10,000 of each weapon, US-to-Russia aid, an agreement quoting troops."""
    b = seed001
    assert all(d["status"] != "withdrawn" for d in b["deployments"])
    assert b["aid"] == [] and b["diplomacy"] == []
    for t in b["arms_transfers"]:
        assert t["status"] == "alleged"
        assert all(i["quantity"] is None for i in t["items"])  # the 10,000 counts containers, not each weapon
    reasons = " ".join(r["reason"] for r in b["run"]["rejected"])
    assert "status 'withdrawn'" in reasons and "event type 'agreement signed'" in reasons
    assert "the aid item states no amount in a currency and no quantity of goods" in reasons
    # the true casualty claim survives, now attributed from the article
    killed = [it for it in b["casualties"] if it["killed"] and it["killed"]["text"].lower() == "at least 100"]
    assert len(killed) == 1 and killed[0]["wounded"]["text"].endswith("1,000") and killed[0]["claimant"]


def test_every_shown_item_carries_a_status(seed003: dict[str, Any], seed001: dict[str, Any]) -> None:
    for b in (seed003, seed001):
        for s in SECTIONS:
            for it in b[s]:
                assert it["verification"] in ("verified", "corrected", "unattributed"), it
                assert (it["verification"] == "corrected") == bool(
                    [n for n in it["verification_notes"] if "never names" not in n]), it


# ------------------------------------------------- the five-seed Qwen set of prompt v2 (real exchanges, served back)

SEEDS = Path(__file__).parent / "fixtures" / "recordings" / "qwen2.5-coder-1.5b-seeds"
SEED_FILES = {"000": "000_e726931a88cfd514", "001": "001_d228352cad494497", "002": "002_d5b554a282af7b66",
              "003": "003_f9df8e67c73be4ec", "004": "004_e768fbc29f10ce67"}


@pytest.fixture(scope="module")
def qwen_seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """All five seeds' real v2 answers (SEEDS' README), each served back to the real command; lists joined."""
    tmp = tmp_path_factory.mktemp("qwen5")
    runs = [_serve_recorded(SEEDS / f"seed{n}.json", f"seeds/{name}.txt", tmp) for n, name in SEED_FILES.items()]
    joined: dict[str, Any] = {s: [it for b in runs for it in b[s]] for s in SECTIONS}
    joined["run"] = {"rejected": [r for b in runs for r in b["run"]["rejected"]]}
    return joined


def test_real_troops_filed_as_arms_are_rejected(qwen_seeds: dict[str, Any]) -> None:
    """Qwen listed "thousands of troops" as an arms transfer (seed 000); soldiers sent are a deployment."""
    names = [i["name"] for t in qwen_seeds["arms_transfers"] for i in t["items"]]
    assert "troops" not in names, names
    assert any("are personnel, not arms" in r["reason"] for r in qwen_seeds["run"]["rejected"])


def test_real_deployment_without_troops_in_its_quote_is_rejected(qwen_seeds: dict[str, Any]) -> None:
    """Qwen made the NIS itself a deployed force, quoting a fragment about casualties (seed 000)."""
    forces = [d["force"] for d in qwen_seeds["deployments"]]
    assert not any("Intelligence Service" in f for f in forces), forces
    assert any(r["reason"] == "the quote says nothing of troops sent, deployed or stationed"
               for r in qwen_seeds["run"]["rejected"])


def test_real_cooperation_since_the_war_began_is_no_agreement_in_force(qwen_seeds: dict[str, Any]) -> None:
    """'…strengthened military cooperation since the start of the Ukraine conflict' names no agreement taking effect."""
    shown = [d for d in qwen_seeds["diplomacy"] if d["event_type"] == "agreement_in_force"
             and "strengthened military cooperation" in d["evidence"][0]["quote"]]
    assert shown == []


def _serve_recorded(exchange: Path, article: str, tmp: Path) -> dict[str, Any]:
    """The real recorded response body, byte for byte (cut off at max_tokens included), to the real command."""
    response = json.loads(exchange.read_text(encoding="utf-8"))["response"]
    out = tmp / f"{exchange.stem}.json"
    with OAIServer(default={"raw": response}) as server:
        proc = run_brief([str(ROOT / article), "--model", "qwen", "--base-url", server.base_url, "--no-cache",
                          "--format", "json", "-o", str(out)], brief_env(tmp))
        assert len(server.requests) == 1, "a re-ask would not be the recorded exchange"
    assert proc.returncode == 0, proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def five_seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Seeds 000 and 004 of the five-seed Qwen set (REAL answers, see the README of SEEDS), briefed together."""
    tmp = tmp_path_factory.mktemp("five")
    a = _serve_recorded(SEEDS / "seed000.json", "seeds/000_e726931a88cfd514.txt", tmp)
    b = _serve_recorded(SEEDS / "seed004.json", "seeds/004_e768fbc29f10ce67.txt", tmp)
    return {s: a[s] + b[s] for s in ("casualties", "deployments")}


def test_real_headline_quote_is_grounded_on_the_body(five_seeds: dict[str, Any]) -> None:
    """Qwen quoted seed 000's headline ("'At least 100 North Koreans killed' in Russia war") for its casualty item:
    a headline is no evidence, so the item is grounded on the body sentence stating the figure, which names
    who says it."""
    moved = [it for it in five_seeds["casualties"]
             if "evidence moved from the headline to the body sentence that states it" in it["verification_notes"]]
    assert moved, "the headline item was not moved to the body"
    for it in moved:
        assert all("told reporters" in ev["quote"] or "lawmaker" in ev["quote"] for ev in it["evidence"]), it
        assert it["claimant"], it
        assert it["verification"] == "corrected"


def test_real_origin_not_stated_is_removed(five_seeds: dict[str, Any]) -> None:
    """Qwen gave "Ukraine" as the origin of North Korean troops "deployed to fight alongside Russian forces in
    Ukraine" (seed 004): the article never says they came from there, so the origin is removed with a note."""
    origins = [it.get("origin") for it in five_seeds["deployments"]]
    assert "Ukraine" not in origins and "Russia" not in origins, origins
    notes = [n for it in five_seeds["deployments"] for n in it["verification_notes"]]
    assert "origin 'Ukraine' removed: the article does not say the troops came from there" in notes
