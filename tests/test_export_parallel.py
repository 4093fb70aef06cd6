"""Exports written in forked processes are the bytes written one after the other."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable

import pytest

from railgraph.errors import UsageError
from railgraph.export import parallel


def test_forked_exports_are_the_same_bytes_as_in_process(catalogue) -> None:
    jobs: dict[str, parallel.Job] = {
        "catalogue.jsonld": lambda c: c.export("jsonld"),
        "catalogue.ttl": lambda c: c.export("ttl"),
        "inferred.nt": lambda c: c.export("nt", inferred=True),
        "both": lambda c: {"a.nt": c.export("nt"), "b.trig": c.export("trig")},
    }
    forked = parallel.run(catalogue, jobs, workers=2)
    assert set(forked) == {"catalogue.jsonld", "catalogue.ttl", "inferred.nt", "a.nt", "b.trig"}
    assert forked == parallel.run(catalogue, jobs, workers=1)
    assert all(forked.values())


def test_an_export_that_fails_in_a_child_fails_the_run(catalogue) -> None:
    jobs: dict[str, parallel.Job] = {"nt": lambda c: c.export("nt"),
                                     "bad": lambda c: c.export("no-such-format")}
    with pytest.raises(UsageError, match="no-such-format"):
        parallel.run(catalogue, jobs, workers=2)


def test_exports_started_beside_other_work_are_collected_or_stopped(catalogue) -> None:
    jobs: dict[str, parallel.Job] = {"catalogue.nt": lambda c: c.export("nt"),
                                     "inferred.nt": lambda c: c.export("nt", inferred=True)}
    with parallel.start(catalogue, jobs, workers=2) as pending:
        report = catalogue.validate(workers=1)
        files = pending.result()
    assert report.conforms
    assert files == parallel.run(catalogue, jobs, workers=1)
    with parallel.start(catalogue, jobs, workers=2) as abandoned:  # e.g. the catalogue did not conform
        pass
    assert abandoned._pool is not None
    with pytest.raises(ValueError):  # the pool is stopped: nothing more can be asked of it
        abandoned._pool.apply_async(len, ([],))


def test_exports_stay_in_this_process_where_memory_would_not_hold_two_more_copies(monkeypatch) -> None:
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel, "_memory", lambda: (12 * 2**30, 20 * 2**30))  # 100,000 tools
    assert parallel._forked_workers(6) == 0
    monkeypatch.setattr(parallel, "_memory", lambda: (2 * 2**30, 20 * 2**30))  # 10,000 tools
    assert parallel._forked_workers(6) == 2
    monkeypatch.setattr(parallel, "_memory", lambda: (None, None))  # no /proc
    assert parallel._forked_workers(6) == 2


def test_one_child_is_forked_beside_a_parent_that_works_meanwhile_where_two_would_not_fit(monkeypatch) -> None:
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel, "_memory", lambda: (7 * 2**30, 16 * 2**30))  # validating 100,000 tools
    assert parallel._forked_workers(5) == 0, "the parent would only wait: the jobs run in it"
    assert parallel._forked_workers(5, alongside=True) == 1
    assert parallel._forked_workers(1) == 0
    assert parallel._forked_workers(1, alongside=True) == 1
    monkeypatch.setattr(parallel, "_memory", lambda: (14 * 2**30, 16 * 2**30))
    assert parallel._forked_workers(5, alongside=True) == 0, "not even one copy fits"
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 1)
    monkeypatch.setattr(parallel, "_memory", lambda: (1 * 2**30, 16 * 2**30))
    assert parallel._forked_workers(5, alongside=True) == 0, "one core: a child would only take turns with the parent"


def test_no_more_workers_are_forked_than_asked_for(catalogue, monkeypatch) -> None:
    """A parent that works meanwhile and takes the jobs no child has begun (a watched rebuild)
    may ask for one child: with two cores, two processes share them better than three."""
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel, "_memory", lambda: (2 * 2**30, 20 * 2**30))
    jobs: dict[str, parallel.Task] = {name: (lambda c: os.getpid()) for name in ("a", "b", "c")}
    with parallel.start(catalogue, jobs, alongside=True, most=1) as pending:
        assert len(pending._pool._pool) == 1
        assert set(pending.outputs().values()) <= {os.getpid(), pending._pool._pool[0].pid}
    with parallel.start(catalogue, jobs, alongside=True) as pending:
        assert len(pending._pool._pool) == 2


def test_a_closed_pool_keeps_the_answers_it_gave_and_its_processes_end(catalogue) -> None:
    jobs: dict[str, parallel.Task] = {"nt": lambda c: c.export("nt"), "pid": lambda c: os.getpid()}
    with parallel.start(catalogue, jobs, workers=2) as pending:
        while not pending.finished():
            time.sleep(0.01)
        children = [process.pid for process in pending._pool._pool]
        pending.close()
        assert not any(_alive(pid) for pid in children)
        assert pending.output("nt") == catalogue.export("nt")
        assert pending.output("pid") in children
    pending.close()  # again, and on leaving the block: nothing more to stop


def test_a_pool_closed_without_waiting_ends_before_the_next_one_is_forked(catalogue) -> None:
    jobs: dict[str, parallel.Task] = {"pid": lambda c: os.getpid(), "nt": lambda c: c.export("nt")}
    with parallel.start(catalogue, jobs, workers=2) as pending:
        answers = pending.outputs()
        children = [process.pid for process in pending._pool._pool]
        pending.close(wait=False)
    assert answers["nt"] == catalogue.export("nt")
    with parallel.start(catalogue, {"pid": lambda c: os.getpid()}, workers=2) as later:
        assert not any(_alive(pid) for pid in children), "the first workers ended before the next were forked"
        assert later.output("pid") not in children
        later.close(wait=False)
    parallel.finish_closing()
    assert not any(map(_alive, [process.pid for process in later._pool._pool]))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="read from /proc")
def test_this_process_memory_is_read() -> None:
    used, available = parallel._memory()
    assert used is not None and available is not None
    assert 10 * 2**20 < used < available


def test_jobs_may_answer_any_value_that_pickles_beside_the_files(catalogue) -> None:
    from railgraph.export.catalog import statistics_of

    jobs: dict[str, parallel.Task] = {"catalogue.nt": lambda c: c.export("nt"), "statistics": statistics_of}
    with parallel.start(catalogue, jobs, workers=2) as pending:
        outputs = pending.outputs()
    asserted, inferred = outputs.pop("statistics")  # type: ignore[misc]
    here = statistics_of(catalogue)
    assert (asserted.triples, inferred.triples) == (here[0].triples, here[1].triples)
    assert asserted.instances == here[0].instances
    assert parallel.files_of(outputs) == {"catalogue.nt": catalogue.export("nt")}
    with pytest.raises(TypeError, match="statistics gave tuple"):
        parallel.files_of({"statistics": (asserted, inferred)})


def test_workers_forked_before_the_parent_grows_leave_room_for_its_growth(monkeypatch) -> None:
    monkeypatch.setattr(parallel.os, "cpu_count", lambda: 2)
    monkeypatch.setattr(parallel, "_memory", lambda: (4 * 2**30, 20 * 2**30))
    assert parallel._forked_workers(3) == 2  # 4 GiB x 2 children < 80 % of 20 GiB
    assert parallel._forked_workers(3, growth=2.5) == 0  # 4 GiB x (2 children + 2.5) > 16 GiB
    assert parallel._forked_workers(3, growth=2.5, alongside=True) == 1  # 4 GiB x (1 child + 2.5) < 16 GiB


def test_children_leave_the_cyclic_collector_off_and_the_parent_keeps_it(catalogue) -> None:
    import gc

    jobs: dict[str, parallel.Task] = {"collecting": lambda c: gc.isenabled(), "again": lambda c: gc.isenabled()}
    with parallel.start(catalogue, jobs, workers=2) as pending:  # each job asked alone: the
        assert {name: pending.output(name) for name in jobs} == {"collecting": False, "again": False}  # children run them
    assert gc.isenabled()


@pytest.mark.parametrize("workers", [1, 2])
def test_one_job_is_collected_while_the_others_go_on(catalogue, tmp_path, workers: int) -> None:
    asked = tmp_path / "first-collected"

    def slow(catalogue) -> str:  # ends only once the first job's answer was collected
        return "done" if _until(asked.exists) else "waited for"

    jobs: dict[str, parallel.Task] = {"first": lambda c: len(c.sources), "slow": slow}
    with parallel.start(catalogue, jobs, workers=workers) as pending:
        assert pending.forked == (workers == 2)
        assert pending.output("first") == len(catalogue.sources)
        asked.touch()
        assert pending.outputs() == {"first": len(catalogue.sources), "slow": "done"}


def test_the_parent_runs_the_jobs_no_child_has_begun_while_the_children_finish_theirs(catalogue, tmp_path) -> None:
    ran_here = tmp_path / "ran-here"

    def waiting(name: str) -> parallel.Task:
        def job(catalogue) -> str:  # begun by a child, ends once the parent has run the last job
            (tmp_path / f"{name}-begun").touch()
            return "done" if _until(ran_here.exists) else "waited for"
        return job

    def last(catalogue) -> int:
        ran_here.touch()
        return os.getpid()

    jobs: dict[str, parallel.Task] = {"a": waiting("a"), "b": waiting("b"), "last": last}
    with parallel.start(catalogue, jobs, workers=2) as pending:
        assert _until(lambda: all((tmp_path / f"{name}-begun").exists() for name in "ab")), "the children began"
        assert pending.outputs() == {"a": "done", "b": "done", "last": os.getpid()}


def test_told_not_to_take_jobs_the_parent_waits_for_the_children_to_run_them(catalogue) -> None:
    def pid(catalogue) -> int:
        time.sleep(0.3)  # each child busy while the parent asks for the answers
        return os.getpid()

    with parallel.start(catalogue, {"a": pid, "b": pid, "c": pid}, workers=2) as pending:
        answers = pending.outputs(take=False)
    assert os.getpid() not in answers.values()


def _until(condition: Callable[[], bool], seconds: float = 30) -> bool:
    """Whether ``condition`` came true within ``seconds`` (looked at every 10 ms)."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True
