"""A named pipe, a device or an endless file given where a file is read: refused at once with one
line, never a read that blocks or grows without bound. Real FIFOs and real processes: on the old
code each of these children hung on ``open()`` (the timeout fails the test)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.cli.proc import fast_profile, lines, no_traceback, workbench
from workbench.config import ProfileError, discover_profiles, load_profile_file
from workbench.config.yaml_source import MAX_FILE_BYTES
from workbench.inputs import InputFileError, read_regular

DEADLINE_S = 15.0


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "session.jsonl"
    os.mkfifo(path)
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["replay", "{}", "--headless"],
        ["analyze", "{}"],
        ["export", "{}", "--format", "otlp", "-o", "{dir}/out.jsonl"],
        ["profiles", "{}"],
        ["run", "--profile", "{}", "get_date()"],
    ],
    ids=["replay", "analyze", "export", "profiles", "run --profile"],
)
@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_path_that_is_not_a_regular_file_is_refused_at_once(
    command: list[str], kind: str, fifo: Path, tmp_path: Path
) -> None:
    target = str(fifo) if kind == "fifo" else "/dev/zero"
    args = [a.replace("{}", target).replace("{dir}", str(tmp_path)) for a in command]
    done = workbench(*args, timeout=DEADLINE_S)
    assert done.returncode == 2, done.stderr
    assert no_traceback(done.stderr)
    said = done.stderr + done.stdout
    assert ("named pipe" if kind == "fifo" else "device") in said
    assert target in said
    assert len(lines(said)) == 1


def test_a_fifo_in_a_profiles_folder_is_listed_as_invalid_not_waited_on(tmp_path: Path) -> None:
    folder = tmp_path / "profiles"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")
    fast_profile(folder)
    done = workbench("profiles", cwd=tmp_path, timeout=DEADLINE_S)
    assert done.returncode == 0, done.stderr
    pipe = [line for line in lines(done.stdout) if line.startswith("✗ pipe")]
    assert len(pipe) == 1 and "named pipe" in pipe[0]
    assert any(line.split()[:2] == ["fast", "scripted"] for line in lines(done.stdout))


def test_a_profile_over_the_size_limit_is_refused_with_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"# " + b"x" * MAX_FILE_BYTES + b"\ntype: scripted\n")
    with pytest.raises(ProfileError) as info:
        load_profile_file(path)
    assert "more than a profile may" in str(info.value)
    assert f"{MAX_FILE_BYTES:,}" in str(info.value)


def test_discovery_survives_a_fifo_beside_good_profiles(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    fast_profile(tmp_path)
    entries = {entry.name: entry for entry in discover_profiles([tmp_path])}
    assert entries["fast"].ok
    assert entries["pipe"].error is not None
    assert "named pipe" in str(entries["pipe"].error)


def test_reading_an_endless_device_stops_at_the_limit() -> None:
    with pytest.raises(InputFileError) as info:
        read_regular(Path("/dev/zero"), limit=1024)
    assert "device" in str(info.value)


def test_a_file_that_grows_past_the_limit_while_read_is_cut(tmp_path: Path) -> None:
    path = tmp_path / "grows.yaml"
    path.write_bytes(b"a" * 2048)
    with pytest.raises(InputFileError) as info:
        read_regular(path, limit=1024)
    assert "2,048 bytes" in str(info.value)
    assert read_regular(path, limit=4096) == b"a" * 2048
