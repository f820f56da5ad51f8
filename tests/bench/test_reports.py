"""make bench's reports keep the last runs of each configuration, so a figure is never one run's."""

import json

from bench import run


def report(configuration: str, at: str, claims_list: float) -> dict:
    row = {"status": 200, "rps": 100.0, "p50_ms": 1.0, "p99_ms": 2.0, "x_hello": 0.6}
    names = ["hello", "hand-written", "API claims list (50)", "API claims list, page after page"]
    results = {name: {**row, "x_hand_written": claims_list} for name in names}
    results["API 304 (If-None-Match)"] = {**row, "status": 304, "x_hand_written": 9.0}
    timing = {"requests": 30, "p50_ms": 20.0, "max_ms": 30.0}
    return {
        "configuration": configuration,
        "machine": {"platform": "test", "cpus": 2, "python": "3.11"},
        "results": results,
        "one_at_a_time": {
            "dashboard overview": timing,
            "dispute page": timing,
            "claim panel": timing,
        },
        "write_corroboration": {"writes": 30, "p50_ms": 9.0, "max_ms": 12.0},
        "data": "reused",
        "at": at,
    }


def test_each_configuration_keeps_its_last_runs_in_both_reports(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "ROOT", tmp_path)
    (tmp_path / "bench").mkdir()
    (tmp_path / "docs").mkdir()

    for n in range(run.HISTORY_RUNS + 2):
        run.write_reports(report("PostgreSQL + Redis", f"run-{n}", 1.0 + n / 10))
    run.write_reports(report("SQLite", "sqlite-run", 2.0))

    saved = json.loads((tmp_path / "bench" / "results.json").read_text())
    kept = [entry["at"] for entry in saved["history"]["PostgreSQL + Redis"]]
    assert kept == [f"run-{n}" for n in range(2, run.HISTORY_RUNS + 2)]
    assert [entry["at"] for entry in saved["history"]["SQLite"]] == ["sqlite-run"]
    document = (tmp_path / "docs" / "performance.md").read_text()
    assert "| run-7 | reused | 1.70 |" in document
    assert "run-1 " not in document


def test_a_run_from_before_the_claim_panel_row_reads_as_a_dash(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "ROOT", tmp_path)
    older = run.summary(report("SQLite", "older-run", 1.5))
    del older["claim_ms"]

    lines = run.history_table([older, run.summary(report("SQLite", "newer-run", 1.5))])

    assert (
        "| older-run | reused | 1.50 | 1.50 | 0.60 | 20.0 | 20.0 | — | 9.0 | — | — | — |" in lines
    )
    assert (
        "| newer-run | reused | 1.50 | 1.50 | 0.60 | 20.0 | 20.0 | 20.0 | 9.0 | — | — | — |"
        in lines
    )


def test_the_publishing_row_is_in_both_tables_once_measured(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "ROOT", tmp_path)
    measured = {
        **report("SQLite", "run", 1.5),
        "publish_dispute": {"publishes": 10, "p50_ms": 150.0, "max_ms": 180.0},
    }

    text = run.section(measured)

    assert "| publish a dispute of 50 claims (staff token) | 150.0 | 180.0 |" in text
    assert (
        "| run | reused | 1.50 | 1.50 | 0.60 | 20.0 | 20.0 | 20.0 | 9.0 | 150.0 | — | — |" in text
    )


def test_the_webhooks_figures_are_in_both_tables_once_measured(tmp_path, monkeypatch):
    monkeypatch.setattr(run, "ROOT", tmp_path)
    measured = {
        **report("PostgreSQL + Redis", "run", 1.5),
        "webhooks": {
            "workers": 2,
            "latency_p50_ms": 180.0,
            "latency_max_ms": 250.0,
            "deliveries": 2000,
            "deliveries_per_second": 310.5,
            "flaky": {
                "deliveries": 400,
                "failed_first_tries": 133,
                "all_delivered": True,
                "accepted_twice": 0,
                "seconds": 7.5,
            },
        },
    }

    text = run.section(measured)

    assert "| commit to delivery, p50 (one event at a time, worker idle) | 180.0 ms |" in text
    assert "| deliveries per second (2,000 waiting) | 310.5 |" in text
    assert "| … all delivered; accepted twice; seconds | yes; 0; 7.5 |" in text
    assert "| 9.0 | — | 310.5 | 180.0 |" in text
