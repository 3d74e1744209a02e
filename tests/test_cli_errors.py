"""Bad input to `riskmodel run`, `compare`, `sweep` and `report`: a clear message naming the file or folder,
what is wrong and what to do, exit code 2, no traceback, and nothing run or written first.

Run folders are written by `riskmodel.store.save_run` from a tiny perils-only simulation (4,096 trials),
then damaged; scenarios are the perils-only book of `perils_book`.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from perils_book import BASE, write

from riskmodel import store
from riskmodel.engine.simulate import simulate
from riskmodel.scenario import load_scenario

TRIALS = 4096
SMALL = {**BASE, "simulation": {**BASE["simulation"], "trials": TRIALS}}


@pytest.fixture
def scenario_file(tmp_path) -> Path:
    return write(tmp_path / "scenarios", "base.yaml", SMALL)


@pytest.fixture(scope="module")
def saved_batch(tmp_path_factory) -> Path:
    """A batch folder with two finished runs, `a` and `b`, of the tiny book (copied by `batch`)."""
    folder = tmp_path_factory.mktemp("saved")
    file = write(folder / "scenarios", "base.yaml", SMALL)
    scenario = load_scenario(file)
    results = simulate(scenario, TRIALS, progress=False)
    identity = store.run_hash(scenario, TRIALS, results.seed, False)
    effective = store.effective_scenario(scenario, TRIALS, results.seed, False)
    for name in ("a", "b"):
        store.save_run(folder / "batch" / name, results, effective, identity=identity, scenario_file=file)
    return folder / "batch"


@pytest.fixture
def batch(saved_batch, tmp_path) -> Path:
    return Path(shutil.copytree(saved_batch, tmp_path / "batch"))


def assert_usage_error(code: int, err: str, *phrases: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "Errno" not in err
    for phrase in phrases:
        assert phrase in err, err


# -------------------------------------------------------------------------------------- --out paths
def test_run_and_sweep_refuse_an_out_that_is_a_file_before_running(scenario_file, tmp_path, run_cli):
    afile = tmp_path / "afile"
    afile.write_text("")
    code, out, err = run_cli("run", scenario_file, "--out", afile, "--workers", 1)
    assert_usage_error(code, err, f"{afile}: is a file, not a folder", "--out")
    assert out == ""
    code, out, err = run_cli(
        "sweep", scenario_file, "--set", "horizon.years=1,2", "--out", afile, "--workers", 1
    )
    assert_usage_error(code, err, f"{afile}: is a file, not a folder")
    assert out == "" and afile.read_text() == ""


def test_run_refuses_an_out_inside_a_file(scenario_file, tmp_path, run_cli):
    afile = tmp_path / "afile"
    afile.write_text("")
    code, _, err = run_cli("run", scenario_file, "--out", afile / "store", "--workers", 1)
    assert_usage_error(code, err, f"{afile / 'store'}: cannot be created: {afile} is a file")


def test_run_refuses_an_out_it_cannot_write(scenario_file, tmp_path, run_cli, monkeypatch):
    import riskmodel.cli.run

    locked = tmp_path / "locked"
    locked.mkdir()
    # (as if `locked` were read-only: a chmod does not stop root, who may run these tests)
    monkeypatch.setattr(riskmodel.cli.run.os, "access", lambda path, mode: Path(path) != locked)
    code, _, err = run_cli("run", scenario_file, "--out", locked / "store", "--workers", 1)
    assert_usage_error(code, err, f"cannot be written: no permission to write in {locked}")
    assert list(locked.iterdir()) == []


def test_compare_refuses_an_out_that_is_a_folder_before_comparing(batch, tmp_path, run_cli):
    emptydir = tmp_path / "emptydir"
    emptydir.mkdir()
    code, out, err = run_cli("compare", batch / "a", batch / "b", "--out", emptydir)
    assert_usage_error(code, err, f"{emptydir}: is a folder: --out takes a file name")
    assert out == "" and list(emptydir.iterdir()) == []  # no table printed, no temporary file left


def test_report_refuses_an_out_that_is_a_folder(batch, tmp_path, run_cli):
    emptydir = tmp_path / "emptydir"
    emptydir.mkdir()
    code, out, err = run_cli("report", batch, "--out", emptydir)
    assert_usage_error(code, err, f"{emptydir}: is a folder: --out takes a file name")
    assert out == "" and list(emptydir.iterdir()) == []


def test_report_writes_into_a_new_folder(batch, tmp_path, run_cli):
    target = tmp_path / "new" / "page.html"
    code, _, err = run_cli("report", batch, "--out", target)
    assert (code, err) == (0, "")
    assert target.is_file()


def test_report_of_a_file_says_it_is_a_file(tmp_path, run_cli):
    afile = tmp_path / "afile"
    afile.write_text("")
    code, _, err = run_cli("report", afile)
    assert_usage_error(code, err, f"{afile}: is a file, not a folder")
    assert "no such folder" not in err


# ------------------------------------------------------------------------------ corrupt run folders
def _damage(run_dir: Path, how: str) -> str:
    """Damage a run folder; returns the file the message must name."""
    if how == "no arrays.npz":
        (run_dir / "arrays.npz").unlink()
        return "arrays.npz is missing"
    if how == "truncated arrays.npz":
        data = (run_dir / "arrays.npz").read_bytes()
        (run_dir / "arrays.npz").write_bytes(data[:1000])
        return "arrays.npz is unreadable"
    if how == "results.json not an object":
        (run_dir / "results.json").write_text("[1]")
        return "results.json is corrupt"
    if how == "manifest.json invalid JSON":
        (run_dir / "manifest.json").write_text("{oops")
        return "manifest.json is unreadable"
    raise AssertionError(how)


DAMAGES = [
    "no arrays.npz",
    "truncated arrays.npz",
    "results.json not an object",
    "manifest.json invalid JSON",
]


@pytest.mark.parametrize("how", DAMAGES)
def test_compare_and_report_of_a_corrupt_run_exit_2_naming_folder_and_file(batch, how, run_cli):
    said = _damage(batch / "b", how)
    code, out, err = run_cli("compare", batch / "a", batch / "b")
    assert_usage_error(code, err, f"{batch / 'b'}: {said}", f"riskmodel run SCENARIOS --out {batch}")
    assert "no manifest.json" not in err and out == ""
    code, out, err = run_cli("report", batch / "b", "--out", batch / "b.html")
    assert_usage_error(code, err, f"{batch / 'b'}: {said}", "riskmodel run")
    assert not (batch / "b.html").exists()


#: What a batch report says of a run it leaves out (`store.incomplete_reason`), by damage.
LEFT_OUT = {
    "no arrays.npz": r"b \(arrays\.npz is missing\)",
    "truncated arrays.npz": r"b \(arrays\.npz is 1,000 bytes, the manifest says [\d,]+\)",
    "results.json not an object": r"b \(results\.json is 3 bytes, the manifest says [\d,]+\)",
    "manifest.json invalid JSON": r"b \(manifest\.json is unreadable\)",
}


@pytest.mark.parametrize("how", DAMAGES)
def test_report_of_a_batch_lists_a_corrupt_run_with_its_reason(batch, how, run_cli):
    _damage(batch / "b", how)
    code, out, err = run_cli("report", batch)
    assert code == 0, err
    text = Path(out.strip()).read_text(encoding="utf-8")
    assert "scenario-a" in text and "scenario-b" not in text and "Runs left out" in text
    assert re.search(LEFT_OUT[how], text), re.findall(r"Runs left out[^<]*", text)
    # the terminal says so too, with the page's reason (it said nothing: a run left out without a word)
    assert err.startswith(f"warning: {batch}: run left out of the report: b ("), err
    assert re.search(LEFT_OUT[how], err) and err.count("\n") == 1, err
    assert f"rerun the batch into {batch} to redo it" in err


@pytest.mark.parametrize("how", ["no arrays.npz", "truncated arrays.npz", "results.json not an object"])
def test_a_damaged_run_is_not_complete_so_the_batch_redoes_it(batch, how):
    assert store.is_complete(batch / "b")
    _damage(batch / "b", how)
    assert not store.is_complete(batch / "b")


def test_a_run_without_its_manifest_exits_2_in_compare_and_report(batch, run_cli):
    (batch / "b" / "manifest.json").unlink()
    code, _, err = run_cli("compare", batch / "a", batch / "b")
    assert_usage_error(code, err, f"{batch / 'b'}: not a finished run (no manifest.json)")
    code, _, err = run_cli("report", batch / "b")
    assert_usage_error(code, err, str(batch / "b"))


@pytest.mark.parametrize("name", ["results.json", "arrays.npz"])
def test_a_run_damaged_without_a_change_of_size_is_redone(name, batch, tmp_path, run_cli):
    """A file damaged in place (a byte flipped) passed the size check: the batch called the run up to
    date, then could not read it, run after run, and the report failed. The manifest's SHA-256 of each
    file finds it: the batch recomputes the run, the report lists it as left out meanwhile."""
    path = batch / "a" / name
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    assert store.incomplete_reason(batch / "a") == (
        f"{name} has changed since it was written (its SHA-256 is not the manifest's)"
    )
    code, out, err = run_cli("report", batch)
    assert code == 0, err
    assert f"a ({name} has changed since it was written" in Path(out.strip()).read_text(encoding="utf-8")
    assert f"run left out of the report: a ({name} has changed since it was written" in err
    scenario_file = write(tmp_path / "scenarios", "a.yaml", SMALL)
    code, out, err = run_cli("run", scenario_file, "--out", batch, "--workers", 1)
    assert code == 0, err
    assert store.is_complete(batch / "a")


def test_load_results_names_the_damaged_file(batch):
    _damage(batch / "b", "truncated arrays.npz")
    with pytest.raises(store.CorruptRunError, match=r"arrays\.npz is unreadable"):
        store.load_results(batch / "b")
    assert store.read_manifest(batch / "b") is not None


# ---------------------------------------------------------------------------------------- --scheduler
def test_run_refuses_a_scheduler_that_is_not_an_address(scenario_file, tmp_path, run_cli):
    code, _, err = run_cli("run", scenario_file, "--scheduler", "notanaddress", "--out", tmp_path / "o")
    assert_usage_error(code, err, "--scheduler", "not a scheduler address: 'notanaddress'", "HOST:PORT")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "options",
    [
        ("--workers", 2, "--dask-local", 1),
        ("--workers", 1, "--scheduler", "tcp://h:8786"),
        ("--scheduler", "tcp://h:8786", "--dask-local", 2),
    ],
)
@pytest.mark.parametrize("command", ["run", "sweep"])
def test_one_executor_at_a_time(command, options, scenario_file, tmp_path, run_cli):
    """--workers with a Dask option would be ignored: the combination is refused before anything runs."""
    sweep = ("--set", "perils.storm.frequency.mean=1,2") if command == "sweep" else ()
    code, _, err = run_cli(command, scenario_file, *sweep, *options, "--out", tmp_path / "o")
    assert_usage_error(code, err, "not allowed with argument")
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("address", ["tcp://10.0.0.5:8786", "host:8786", "tls://a.b-c:1", "tcp://[::1]:8786"])
def test_scheduler_addresses_are_accepted(address):
    from riskmodel.cli.run import scheduler_address

    assert scheduler_address(address) == address


@pytest.mark.parametrize("address", ["tcp://host", "host:port", "tcp://:8786", "host:99999", "http//h:1"])
def test_scheduler_addresses_without_host_and_port_are_refused(address):
    import argparse

    from riskmodel.cli.run import scheduler_address

    with pytest.raises(argparse.ArgumentTypeError, match="HOST:PORT"):
        scheduler_address(address)


# -------------------------------------------------------------------------------------------- sweep
def test_sweep_refuses_trials_that_override_a_swept_trial_count(scenario_file, tmp_path, run_cli):
    out = tmp_path / "sweep"
    code, _, err = run_cli(
        "sweep", scenario_file, "--set", "simulation.trials=4096,8192", "--trials", 4096, "--out", out
    )
    assert_usage_error(code, err, "--set simulation.trials", "--trials")
    code, _, err = run_cli("sweep", scenario_file, "--set", "simulation.seed=1,2", "--seed", 3, "--out", out)
    assert_usage_error(code, err, "--set simulation.seed", "--seed")
    assert not out.exists()


def test_sweep_of_the_trial_count_runs_each_point_with_its_trials(scenario_file, tmp_path, run_cli):
    import pandas as pd

    out = tmp_path / "sweep"
    code, stdout, err = run_cli(
        "sweep", scenario_file, "--set", "simulation.trials=4096,8192", "--metrics", "aal", "--out", out,
        "--workers", 1,
    )  # fmt: skip
    assert code == 0, err
    assert "trials as swept" in stdout
    table = pd.read_csv(out / "sweep.csv")
    assert table["simulation.trials"].tolist() == [4096, 8192]
    trials = [store.read_manifest(out / run)["trials"] for run in table["run"]]
    assert trials == [4096, 8192]


def test_sweep_refuses_an_unknown_metric_before_running(scenario_file, tmp_path, run_cli):
    out = tmp_path / "sweep"
    code, stdout, err = run_cli(
        "sweep", scenario_file, "--set", "horizon.years=1,2", "--metrics", "aal", "nosuch", "payer:ig_pool",
        "--out", out, "--workers", 1,
    )  # fmt: skip
    assert_usage_error(code, err, "--metrics: 'nosuch' is not in the results", "payer:peril:storm")
    assert "'payer:ig_pool'" in err and "'aal'" not in err
    assert stdout == "" and not out.exists()


def test_sweep_of_a_missing_scheme_names_the_schemes(scenarios_dir, scenario_file, tmp_path, run_cli):
    out = tmp_path / "sweep"
    code, _, err = run_cli("sweep", scenario_file, "--set", "schemes.nopool.capital_usd_m=1,2", "--out", out)
    assert_usage_error(code, err, "no scheme 'nopool' (schemes: none)")
    assert "required" not in err
    code, _, err = run_cli(
        "sweep", scenarios_dir / "rv_pool.yaml", "--set", "schemes.nopool.x=1,2", "--out", out
    )
    assert_usage_error(code, err, "no scheme 'nopool' (schemes: rv_pool)")
    assert "required" not in err and not out.exists()


@pytest.mark.parametrize("command", ["run", "sweep"])
def test_trials_beyond_the_schemas_bound_are_refused_before_running(
    command, scenario_file, tmp_path, run_cli
):
    """--trials 1e300 had no bound (the run died of memory): it takes the schema's simulation.trials bound."""
    code, _, err = run_cli(command, scenario_file, "--trials", "1e300", "--out", tmp_path / "out")
    assert_usage_error(code, err, "argument --trials: must be at most 100,000,000 (simulation.trials)")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "flag, value, said",
    [
        ("--trials", "1e400", "argument --trials: too large for a number: '1e400'"),
        ("--chunk-trials", "1e400", "argument --chunk-trials: too large for a number: '1e400'"),
        ("--chunk-trials", str(4096 * 10**300), "argument --chunk-trials: must be at most 100,000,000"),
    ],
    ids=["trials 1e400", "chunk 1e400", "chunk of 300 digits"],
)
def test_a_count_beyond_every_number_or_the_schemas_bound_is_a_usage_error(
    flag, value, said, scenario_file, tmp_path, run_cli
):
    """`--trials 1e400` reads as infinity (an OverflowError escaped argparse: "error: OverflowError"), and
    --chunk-trials had no upper bound (simulation.chunk_trials has the trials' one)."""
    code, _, err = run_cli("run", scenario_file, flag, value, "--out", tmp_path / "out")
    assert_usage_error(code, err, said)
    assert "OverflowError" not in err and not (tmp_path / "out").exists()


@pytest.mark.parametrize("flag", ["--workers", "--dask-local"])
def test_more_workers_than_four_per_cpu_is_a_usage_error(flag, scenario_file, tmp_path, run_cli, monkeypatch):
    """--workers had no upper bound: a typo such as 800 started a process per chunk, each with its block's
    memory. The bound follows the machine's CPUs (3 here: 12 allowed, 13 refused before anything runs)."""
    monkeypatch.setattr("os.cpu_count", lambda: 3)
    code, _, err = run_cli("run", scenario_file, flag, "13", "--out", tmp_path / "out")
    assert_usage_error(
        code, err, f"argument {flag}: must be at most 12 (4 per CPU of this machine, which has 3)"
    )
    assert not (tmp_path / "out").exists()
    from riskmodel.cli.run import worker_count

    assert worker_count("12") == 12


@pytest.mark.parametrize(
    "stop, code, word", [("KeyboardInterrupt", 130, "interrupted"), ("Terminated", 143, "terminated")]
)
def test_stopped_while_the_commands_load_exits_without_a_traceback(stop, code, word, monkeypatch, capsys):
    """Ctrl-C or SIGTERM in the first fraction of a second (the commands' modules being imported) exits
    as it does later: the code and one word (a stress test saw a traceback there)."""
    import riskmodel.cli as cli

    def stopped():
        raise KeyboardInterrupt if stop == "KeyboardInterrupt" else cli.Terminated

    monkeypatch.setattr(cli, "build_parser", stopped)
    assert cli.main(["validate", "x.yaml"]) == code
    err = capsys.readouterr().err
    assert err.strip() == word


def test_the_command_line_module_loads_light(tmp_path):
    """`import riskmodel.cli` (what the `riskmodel` script does before `main` runs, when an interruption
    would still print a traceback) imports neither pydantic nor numpy: they load inside `main`."""
    import subprocess
    import sys

    code = "import sys, riskmodel.cli; print(sorted(m for m in ('pydantic', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def _interrupting_command(monkeypatch, steps: list, signals: int = 2) -> None:
    """`validate` replaced by a command that gets Ctrl-C, then (with `signals` 2) one more while it cleans
    up; it records its steps, and the SIGINT handler it finds after the second."""
    import os
    import signal

    import riskmodel.cli.validate as validate

    def run(args):
        try:
            steps.append("running")
            os.kill(os.getpid(), signal.SIGINT)
            for _ in range(10**6):  # (the signal is handled at the next bytecode, not inside os.kill)
                pass
            steps.append("not stopped")
        finally:
            if signals == 2:
                os.kill(os.getpid(), signal.SIGINT)  # a second Ctrl-C, impatient, during the clean-up
                for _ in range(10**6):
                    pass
                steps.append(signal.getsignal(signal.SIGINT))
                steps.append(signal.getsignal(signal.SIGTERM))
            steps.append("cleaned up")
        return 0

    monkeypatch.setattr(validate, "run", run)


def test_a_second_ctrl_c_does_not_cut_the_clean_up_short(monkeypatch, capfd):
    """The first Ctrl-C stops the command; one more while it cleans up (stopping workers, saving what is
    done) only says that it does, so the clean-up ends and the exit is the usual one, 130 (a second Ctrl-C
    used to cut the clean-up short and could print Python's traceback). A third would quit at once (the
    default action is in place). The handlers are put back."""
    import signal

    import riskmodel.cli as cli

    before = (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        steps: list = []
        _interrupting_command(monkeypatch, steps)
        assert cli.main(["validate", "x.yaml"]) == 130
        assert steps == ["running", signal.SIG_DFL, signal.SIG_IGN, "cleaned up"]  # (SIGTERM ignored)
        assert capfd.readouterr().err.splitlines() == [
            "stopping: cleaning up (Ctrl-C again quits at once)",
            "interrupted",
        ]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        assert signal.getsignal(signal.SIGTERM) is before[1]
    finally:
        signal.signal(signal.SIGINT, before[0])


def test_a_ctrl_c_the_process_was_started_to_ignore_stays_ignored(monkeypatch, capsys):
    """A batch started in the background (SIGINT ignored, as a shell does for `&` jobs) is not stopped by
    a Ctrl-C meant for the foreground: `main` leaves SIGINT ignored."""
    import signal

    import riskmodel.cli as cli

    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        steps: list = []
        _interrupting_command(monkeypatch, steps)
        assert cli.main(["validate", "x.yaml"]) == 0
        assert steps == ["running", "not stopped", signal.SIG_IGN, cli._stop, "cleaned up"]
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


@pytest.mark.parametrize(
    "argv",
    [["--debug", "validate", "x.yaml"], ["validate", "x.yaml", "--debug"]],
    ids=["--debug first", "--debug last"],
)
def test_an_error_escaping_main_puts_the_handlers_back(argv, monkeypatch):
    """With --debug a command's error escapes `main`, for its traceback: the caller's handlers are put back
    all the same. They were left as `_stop`'s, so that the caller's next Ctrl-C or SIGTERM was taken for a
    stop of a command long gone; in one test session, the signal tests here failed after
    tests/test_cli_validate.py's --debug test (their "caller's handlers" were `_stop`)."""
    import signal

    import riskmodel.cli as cli
    import riskmodel.cli.validate as validate

    def boom(args):
        raise KeyError("rv_pool")

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        mine = {s: signal.getsignal(s) for s in before}
        monkeypatch.setattr(validate, "run", boom)
        with pytest.raises(KeyError, match="rv_pool"):
            cli.main(argv)
        assert {s: signal.getsignal(s) for s in mine} == mine
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


@pytest.mark.parametrize(
    "at, code",
    [("installing", 130), ("installed", 143), ("returning", 143), ("putting back", 130)],
)
def test_a_stop_at_any_point_of_main_is_the_commands_and_puts_the_handlers_back(at, code, monkeypatch):
    """A stop landing anywhere in `main`: Ctrl-C once its own SIGINT handler is in ("installing"), SIGTERM
    as the first function after the installation starts ("installed"), as the first function after the
    command starts ("returning": Python runs a pending handler when a function starts), or Ctrl-C once the
    caller's SIGTERM handler is back and SIGINT's not yet ("putting back"). No exception escapes, the exit
    code is the stop's, and the caller's handlers are back: an exception could escape main, and the
    handlers be left as `_stop`'s (SIGTERM ignored)."""
    import ctypes
    import signal
    import sys

    import riskmodel.cli as cli
    import riskmodel.cli.validate as validate

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    mine = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    real = signal.signal
    sent: list[int] = []
    done = []

    def send(signum):
        sent.append(signum)
        getattr(ctypes.CDLL(None), "raise")(signum)  # (its handler runs before this call returns)

    def set_then_signal(signum, handler):
        out = real(signum, handler)
        if not sent and (
            (at == "installing" and signum == signal.SIGINT and handler is cli._stop)
            or (at == "putting back" and signum == signal.SIGTERM and handler is not cli._stop)
        ):
            send(signal.SIGINT)
        return out

    def at_entry(frame, event, arg):
        """The stop as a function starts: the first after `_stop` is installed, or after the command."""
        if event != "call" or sent:
            return
        if frame.f_code.co_filename != cli.__file__:
            return  # (main's own functions: not signal.signal's wrapper, not the command)
        if (at == "installed" and signal.getsignal(signal.SIGTERM) is cli._stop) or (
            at == "returning" and done
        ):
            sys.setprofile(None)
            send(signal.SIGTERM)

    def command(args):
        done.append(True)
        return 0

    try:
        monkeypatch.setattr(validate, "run", command)
        monkeypatch.setattr(signal, "signal", set_then_signal)
        if at in ("installed", "returning"):
            sys.setprofile(at_entry)
        try:
            got = cli.main(["validate", "x.yaml"])
        except KeyboardInterrupt as exc:  # (pytest would take it for the user's Ctrl-C)
            pytest.fail(f"{type(exc).__name__} escaped main")
        finally:
            sys.setprofile(None)
        monkeypatch.undo()
        assert sent and got == code
        assert {s: signal.getsignal(s) for s in mine} == mine
    finally:
        for s, handler in before.items():
            real(s, handler)


@pytest.mark.parametrize("stopped", [True, False], ids=["stopped", "done"])
def test_the_program_exits_with_stops_ignored(stopped, monkeypatch, capsys):
    """`console` (the `riskmodel` program), its command stopped or done, exits with Ctrl-C and SIGTERM
    ignored: the interpreter's exit puts a handler written in Python back to the default action, so a
    late one would end the process by the signal (status -2, not 130) or print a traceback."""
    import signal
    import sys

    import riskmodel.cli as cli
    import riskmodel.cli.validate as validate

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        if stopped:
            _interrupting_command(monkeypatch, [], signals=1)
        else:
            monkeypatch.setattr(validate, "run", lambda args: 0)
        monkeypatch.setattr(sys, "argv", ["riskmodel", "validate", "x.yaml"])
        with pytest.raises(SystemExit) as exited:
            cli.console()
        assert exited.value.code == (130 if stopped else 0)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)


def test_a_stop_swallowed_on_its_way_is_still_the_exit_code(monkeypatch, capsys):
    """A Ctrl-C whose exception something swallows (as Python does for one raised in a `__del__`) still
    makes `main` return 130: the command was stopped (SIGTERM is ignored, a Ctrl-C would say "cleaning
    up"), so it does not report success."""
    import contextlib
    import ctypes
    import signal

    import riskmodel.cli as cli
    import riskmodel.cli.validate as validate

    def swallowing(args):
        with contextlib.suppress(KeyboardInterrupt):
            getattr(ctypes.CDLL(None), "raise")(signal.SIGINT)
        return 0

    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        monkeypatch.setattr(validate, "run", swallowing)
        assert cli.main(["validate", "x.yaml"]) == 130
        assert capsys.readouterr().err.strip() == "interrupted"
    finally:
        signal.signal(signal.SIGINT, before)
