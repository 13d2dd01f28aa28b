"""The code-review scenario: the diff, then read + blame + lint per changed file, under each setting.

The second batch is planned from the diff's result: a diff naming other files gets calls for those.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.compare.runner import CompareRunner
from workbench.compare.variants import parse_variants
from workbench.config.discovery import resolve_profile
from workbench.core.messages import (
    AssistantMessage,
    Message,
    ToolCall,
    ToolResult,
    ToolResultsMessage,
    ToolSpec,
    UserMessage,
)
from workbench.core.settings import EmissionSettings
from workbench.demo.scenario import load_scenario
from workbench.demo.session import prepare_demo
from workbench.scripted.plan import plan_response
from workbench.tools.builtin import builtin_tools

SPEED = 1000.0  # 1.5 ms a round trip, 0.15 ms a call: the plan is what is tested, not the clock


async def test_the_plan_under_each_setting(tmp_path: Path) -> None:
    scenario = load_scenario("code-review")
    profile = resolve_profile("local")
    variants = parse_variants(scenario.variants)
    with prepare_demo(scenario, profile, variants, SPEED) as demo:
        runner = CompareRunner(
            demo.profile, scenario.prompt, demo.variants, setup=demo.setup, session_dir=tmp_path
        )
        runs = await runner.run()
        changed = sorted(f.name for f in demo.workspace.rglob("*.py"))
    assert [r.status for r in runs] == ["completed"] * 3
    seq, emission, par = (r.fold.figures for r in runs)
    # 1 diff + 8 files × (read, blame, lint) = 25 calls in every setting.
    assert (seq.calls, emission.calls, par.calls) == (25, 25, 25)
    # One call per response: 25 round trips with a call, and the answer.
    assert (seq.round_trips, seq.batches, seq.peak_concurrency) == (26, 25, 1)
    # Parallel emission: the diff, then all 24 at once, then the answer.
    assert (emission.round_trips, emission.batches, emission.peak_concurrency) == (3, 2, 1)
    assert (par.round_trips, par.batches) == (3, 2)
    assert par.peak_concurrency == 10  # the local profile's cap
    assert par.failures == emission.failures == seq.failures == 0
    assert len(changed) > 0
    # The answer is a review of what the tools found: the planted lint findings, the authors.
    answer = runs[2].fold.model.turns[-1].text
    assert "Reviewed 8 changed files on feature/discount-codes against main" in answer
    assert "inventory/api.py:37 E501 line too long" in answer
    assert "inventory/discounts.py:32 W291 trailing whitespace" in answer
    assert "Ana Lima" in answer and "Priya Raman" in answer and "Sam Okafor" in answer


def _specs(tmp_path: Path) -> list[ToolSpec]:
    return [t.spec for t in builtin_tools(tmp_path)]


def test_the_second_batch_comes_from_the_diff_result(tmp_path: Path) -> None:
    prompt = load_scenario("code-review").prompt
    specs = _specs(tmp_path)
    first = plan_response("", [UserMessage(content=prompt)], specs, EmissionSettings())
    assert [(c.name, c.arguments) for c in first.calls] == [("git_diff", {"base": "main"})]
    diff = {
        "files": [
            {"path": "src/alpha.py", "status": "M"},
            {"path": "src/gone.py", "status": "D"},
            {"path": "docs/beta.md", "status": "A"},
        ]
    }
    history: list[Message] = [
        UserMessage(content=prompt),
        AssistantMessage(text="", tool_calls=[ToolCall(id="c1", name="git_diff", arguments={})]),
        ToolResultsMessage(
            results=[
                ToolResult(call_id="c1", name="git_diff", status="ok", content=json.dumps(diff))
            ]
        ),
    ]
    second = plan_response("", history, specs, EmissionSettings())
    assert [(c.name, c.arguments["path"]) for c in second.calls] == [
        ("read_file", "src/alpha.py"),
        ("git_blame", "src/alpha.py"),
        ("run_linter", "src/alpha.py"),
        ("read_file", "docs/beta.md"),
        ("git_blame", "docs/beta.md"),
        ("run_linter", "docs/beta.md"),
    ]  # the deleted file is not read


def test_a_plain_text_diff_result_works_too(tmp_path: Path) -> None:
    prompt = "Review this branch against develop"
    patch = "diff --git a/x.py b/x.py\n+1\ndiff --git a/y.py b/y.py\n-2\n"
    history: list[Message] = [
        UserMessage(content=prompt),
        AssistantMessage(text="", tool_calls=[ToolCall(id="d", name="git_diff", arguments={})]),
        ToolResultsMessage(results=[ToolResult(call_id="d", name="", status="ok", content=patch)]),
    ]
    specs = _specs(tmp_path)
    first = plan_response("", history[:1], specs, EmissionSettings())
    assert first.calls[0].arguments == {"base": "develop"}
    one = plan_response("", history, specs, EmissionSettings(parallel=False))
    assert [(c.name, c.arguments["path"]) for c in one.calls] == [("read_file", "x.py")]


def test_a_failed_diff_ends_with_the_error(tmp_path: Path) -> None:
    prompt = load_scenario("code-review").prompt
    history: list[Message] = [
        UserMessage(content=prompt),
        AssistantMessage(text="", tool_calls=[ToolCall(id="c", name="git_diff", arguments={})]),
        ToolResultsMessage(
            results=[
                ToolResult(
                    call_id="c", name="git_diff", status="error", content="Error: not a repo"
                )
            ]
        ),
    ]
    answer = plan_response("", history, _specs(tmp_path), EmissionSettings())
    assert answer.calls == []
    assert "not a repo" in answer.text


async def test_through_the_emulator_and_the_real_sdk(tmp_path: Path) -> None:
    """The same plan when the scripted model answers over the wire (openai-chat, the real SDK)."""
    from workbench.emulator.server import EmulatorServer

    server = EmulatorServer(chunk_delay_s=0.0)
    await server.start()
    try:
        profile = resolve_profile("openai-chat").with_overrides(
            base_url=server.base_urls["openai-chat"], api_key_env=None
        )
        scenario = load_scenario("code-review")
        variants = parse_variants(scenario.variants)
        with prepare_demo(scenario, profile, variants, SPEED) as demo:
            assert "model latency real" in demo.preface[-1]
            runner = CompareRunner(
                demo.profile, scenario.prompt, demo.variants, setup=demo.setup, session_dir=tmp_path
            )
            runs = await runner.run()
    finally:
        await server.stop()
    assert [r.status for r in runs] == ["completed"] * 3
    assert [r.fold.figures.round_trips for r in runs] == [26, 3, 3]
    assert [r.fold.figures.calls for r in runs] == [25, 25, 25]
