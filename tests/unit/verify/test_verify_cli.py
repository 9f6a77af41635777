"""``io-batch verify`` through ``cli.main``: flags, defaults, errors and their exit codes."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import structlog

from batch import cli
from batch.output.results_layout import RESULT_COLUMNS
from batch.sandbox import SandboxConfig, running_sandbox

CODE = "AAAAAA00A00A000A"


@pytest.fixture(autouse=True)
def keep_logging_as_it_was() -> Iterator[None]:
    """cli.main points structlog at this test's captured stdout, closed after it."""
    saved = structlog.get_config()
    yield
    structlog.configure(**saved)


def write_job(directory: Path, target: str) -> Path:
    job = directory / "job.toml"
    job.write_text(
        f"""
[input]
path = "input.csv"
[output]
path = "results.csv"
[message]
subject = "Avviso di prova"
markdown = "{"m" * 80}"
[target]
{target}
[rate]
calls = 50
window_seconds = 1
""",
        encoding="utf-8",
    )
    return job


def write_results(path: Path, message_id: str) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(RESULT_COLUMNS)
        writer.writerow(["2", CODE, "sent", "", "", message_id, "201", "2", "", "r1"])
        writer.writerow(
            ["3", "RSSMRA85T10A562S", "not_registered", "", "", "", "404", "1", "", "r1"]
        )
    return path


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("io-batch: error")]


def test_help_states_every_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["verify", "--help"])
    assert exited.value.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for default in (
        "(required)",
        "default: <results stem>.verify.csv",
        "<verification stem>.summary.json",
        "every 5 s doubling to 60 s",
        "(default: off, one pass)",
        "(default: 900)",
        "no progress bar even on a terminal",
    ):
        assert default in text


def test_an_embedded_sandbox_job_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = write_job(tmp_path, 'kind = "sandbox"')
    results = write_results(tmp_path / "results.csv", "01BX9NSMKVXXS5PSP2FATZMYYY")
    assert cli.main(["verify", str(results), "--job", str(job)]) == 2
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1 and "verify needs the sandbox the messages were sent to" in lines[0]
    assert "io-batch sandbox" in lines[0]
    assert not (tmp_path / "results.verify.csv").exists()


@pytest.mark.parametrize("content", [None, "nome,cognome\nAda,Lovelace\n"])
def test_a_missing_or_foreign_results_file_is_an_input_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None
) -> None:
    job = write_job(tmp_path, 'kind = "sandbox"\nbase_url = "http://127.0.0.1:9"')
    results = tmp_path / "results.csv"
    if content is not None:
        results.write_text(content, encoding="utf-8")
    assert cli.main(["verify", str(results), "--job", str(job)]) == 3
    lines = error_lines(capsys.readouterr().err)
    assert len(lines) == 1
    assert (
        "results file not found" if content is None else "not an io-batch results file"
    ) in lines[0]


def test_a_production_job_without_a_key_stops_before_any_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    job = write_job(
        tmp_path, 'kind = "io"\nbase_url = "http://127.0.0.1:9"\napi_key_env = "IO_T_KEY"'
    )
    results = write_results(tmp_path / "results.csv", "01BX9NSMKVXXS5PSP2FATZMYYY")
    assert cli.main(["verify", str(results), "--job", str(job)]) == 2
    assert "no API key: set IO_T_KEY" in capsys.readouterr().err


@pytest.mark.parametrize("flags", [["--deadline", "0"], ["--deadline", "soon"], []])
def test_bad_flags_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], flags: list[str]
) -> None:
    job = write_job(tmp_path, 'kind = "sandbox"\nbase_url = "http://127.0.0.1:9"')
    results = write_results(tmp_path / "results.csv", "01BX9NSMKVXXS5PSP2FATZMYYY")
    if not flags:  # the verification file may not replace the results it reads
        assert cli.main(["verify", str(results), "--job", str(job), "--output", str(results)]) == 2
        assert "--output must not be the results file" in capsys.readouterr().err
        return
    with pytest.raises(SystemExit) as exited:
        cli.main(["verify", str(results), "--job", str(job), *flags])
    assert exited.value.code == 2
    assert "--deadline" in capsys.readouterr().err


@pytest.mark.parametrize("log_format", ["console", "json"])
def test_a_run_writes_the_file_the_summary_and_says_it_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], log_format: str
) -> None:
    config = SandboxConfig(processing_delay=0.0)
    with running_sandbox(config) as sandbox:
        submitted = httpx.post(
            f"{sandbox.base_url}/api/v1/messages",
            json={
                "fiscal_code": CODE,
                "content": {"subject": "Avviso di prova", "markdown": "m" * 80},
            },
            headers={"Ocp-Apim-Subscription-Key": "sandbox-key"},
        )
        job = write_job(tmp_path, f'kind = "sandbox"\nbase_url = "{sandbox.base_url}"')
        results = write_results(tmp_path / "results.csv", submitted.json()["id"])
        code = cli.main(["--log-format", log_format, "verify", str(results), "--job", str(job)])
    assert code == 0
    out = capsys.readouterr().out
    summary = json.loads((tmp_path / "results.verify.summary.json").read_text(encoding="utf-8"))
    assert summary["message_status"] == {"PROCESSED": 1}
    assert summary["not_checked"] == {"not_registered": 1}
    assert summary["calls"] == 1 and summary["exit_code"] == 0
    # On a console the printed summary says it; the log event is info-level, below the
    # console's default of warning.
    assert ("verify.summary" in out) == (log_format == "json")
    printed = "every checked message was processed by IO" in out
    assert printed == (log_format == "console")  # JSON logs: the event is the summary
    if log_format == "json":
        events = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        event = next(e for e in events if e["event"] == "verify.summary")
        assert event["message_status"] == {"PROCESSED": 1} and event["exit_code"] == 0
