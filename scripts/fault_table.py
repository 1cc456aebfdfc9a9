"""Run bitext against the faults a hostile, careful user meets and print one table row per case:
what was done, the exit code, the message (the last line of stderr), and whether the data is intact.

    python scripts/fault_table.py            # needs root for tmpfs / bind mounts / chattr (skipped otherwise)
    python scripts/fault_table.py hostile    # only the named cases (functions below)

Every case builds its own corpus in a temporary folder through the real CLI (``python -m bitext``) with
a tiny random model, so the whole table takes a minute or two on two cores.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = "Mamuju (ANTARA) - Gempa bermagnitudo 6,2 mengguncang Mamuju. Warga berhamburan keluar rumah.\n"
ROWS: list[tuple[str, int | str, str, str]] = []


def bitext(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "bitext", *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)


def digest(db: Path) -> str:
    """Digest of a store's committed content (not its bytes)."""
    with sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro&immutable=1", uri=True) as c:
        return hashlib.sha256("\n".join(c.iterdump()).encode()).hexdigest()[:12]


def row(case: str, r: subprocess.CompletedProcess[str] | None, intact: str = "") -> None:
    if r is None:
        ROWS.append((case, "skip", "not run here (needs root: mount/chattr)", intact))
        return
    lines = [ln for ln in r.stderr.strip().splitlines() if ln.strip()]
    msg = "traceback!" if "Traceback" in r.stderr else (lines[-1] if lines else (r.stdout.strip().splitlines()
                                                                                or [""])[-1])
    ROWS.append((case, r.returncode, msg.replace(str(TMP), "…")[:170], intact))


def mount(size: str) -> Path | None:
    mnt = Path(tempfile.mkdtemp(dir=TMP))
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mnt)],
                      capture_output=True).returncode != 0:
        return None
    MOUNTS.append(mnt)
    return mnt


def corpus(where: Path, model: Path | None = None, articles: int = 1) -> Path:
    src = where / "in"
    src.mkdir(parents=True, exist_ok=True)
    for k in range(articles):
        (src / f"a{k}.txt").write_text(ARTICLE.replace("Mamuju.", f"Mamuju {k}."), encoding="utf-8")
    args = ["run", str(src), "--out", str(where / "c"), "-q", "--backend", "transformers", "--beams", "1",
            "--max-new-tokens", "8"]
    if model is not None:
        bitext(*args, "--model", str(model))
    else:
        bitext("segment", str(src), "--out", str(where / "c"), "-q")
    return where / "c"


def case(fn: Callable[[Path], None]) -> Callable[[Path], None]:
    CASES.append(fn)
    return fn


CASES: list[Callable[[Path], None]] = []
MOUNTS: list[Path] = []


@case
def storage(t: Path) -> None:
    mnt = mount("400k")
    if mnt is None:
        row("disk full during segment", None)
    else:
        src = t / "big"
        src.mkdir()
        for k in range(40):
            (src / f"b{k}.txt").write_text(ARTICLE * 40, encoding="utf-8")
        r = bitext("segment", str(src), "--out", str(mnt / "c"), "-q")
        row("disk full during segment (400 KB tmpfs)", r, f"integrity {_integrity(mnt / 'c' / 'bitext.sqlite')}")
    c = corpus(t / "ro", MODEL)
    before = digest(c / "bitext.sqlite")
    ok = subprocess.run(["mount", "--bind", str(c), str(c)], capture_output=True).returncode == 0
    if ok and subprocess.run(["mount", "-o", "remount,ro,bind", str(c)], capture_output=True).returncode == 0:
        MOUNTS.append(c)
        row("read-only folder: status", bitext("status", str(c)))
        row("read-only folder: export --out elsewhere", bitext("export", str(c), "--format", "tmx", "--out",
                                                                 str(t / "x.tmx")))
        row("read-only folder: publish --to elsewhere", bitext("publish", str(c), "--to", str(t / "ds")))
        row("read-only folder: doctor", bitext("doctor", str(c)))
        row("read-only folder: segment (writes)", bitext("segment", str(t / "ro" / "in"), "--out", str(c)),
            f"same content: {digest(c / 'bitext.sqlite') == before}")
    else:
        row("read-only folder", None)
    c = corpus(t / "imm", MODEL)
    if subprocess.run(["chattr", "+i", str(c / "bitext.sqlite")], capture_output=True).returncode == 0:
        row("chattr +i store: run with nothing to do", bitext("run", str(t / "imm" / "in"), "--out", str(c), "-q",
                                                              "--model", str(MODEL), "--backend", "transformers",
                                                              "--beams", "1", "--max-new-tokens", "8",
                                                              "--no-publish"))
        row("chattr +i store: segment a new article", _segment_new(t / "imm", c))
        subprocess.run(["chattr", "-i", str(c / "bitext.sqlite")], capture_output=True)
    else:
        row("chattr +i store", None)


def _segment_new(where: Path, c: Path) -> subprocess.CompletedProcess[str]:
    (where / "in" / "new.txt").write_text("Jakarta (ANTARA) - Kalimat baru.\n", encoding="utf-8")
    return bitext("segment", str(where / "in"), "--out", str(c), "-q")


def _integrity(db: Path) -> str:
    try:
        with sqlite3.connect(db) as c:
            return c.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.Error as e:
        return str(e)


@case
def damaged(t: Path) -> None:
    for name, damage in (
        ("cut in half", lambda b: b[: len(b) // 2]),
        ("pages overwritten", lambda b: b[:4096] + os.urandom(len(b) - 8192) + b[-4096:]),
        ("header overwritten", lambda b: os.urandom(100) + b[100:]),
        ("a text file named bitext.sqlite", lambda b: b"just notes\n" * 100),
    ):
        c = corpus(t / name.replace(" ", "_"))
        db = c / "bitext.sqlite"
        with sqlite3.connect(db) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.write_bytes(damage(db.read_bytes()))
        row(f"damaged store ({name}): status", bitext("status", str(c)))
        row(f"damaged store ({name}): run", bitext("run", str(t / name.replace(" ", "_") / "in"), "--out", str(c),
                                                   "-q", "--model", str(MODEL)))


@case
def lock(t: Path) -> None:
    c = corpus(t / "lock")
    holder = sqlite3.connect(c / "bitext.sqlite", isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    row("write lock held by another process: status", bitext("status", str(c)))
    timer = threading.Timer(5, holder.execute, ("ROLLBACK",))
    timer.start()
    r = bitext("segment", str(t / "lock" / "in"), str(_new(t / "lock")), "--out", str(c))
    msgs = [ln for ln in r.stderr.splitlines() if "waiting" in ln]
    ROWS.append(("write lock held 5 s: segment waits, says so once, then writes", r.returncode,
                 (msgs[0] if msgs else "no message").replace(str(TMP), "…"), ""))
    holder.close()


def _new(where: Path) -> Path:
    p = where / "new.txt"
    p.write_text("Jakarta (ANTARA) - Kalimat baru.\n", encoding="utf-8")
    return p


@case
def versions(t: Path) -> None:
    c = corpus(t / "new")
    with sqlite3.connect(c / "bitext.sqlite") as conn:
        conn.execute("INSERT INTO schema_migrations VALUES ('core', 99, 'later')")
    before = digest(c / "bitext.sqlite")
    for args in (("status", str(c)), ("run", str(t / "new" / "in"), "--out", str(c), "-q"),
                 ("import-review", str(t / "x.csv"), "--corpus", str(c), "--reviewer", "r")):
        (t / "x.csv").write_text("id,source,target,edited\n", encoding="utf-8")
        row(f"store from a newer bitext (core v99): {args[0]}", bitext(*args),
            f"same content: {digest(c / 'bitext.sqlite') == before}")


@case
def models(t: Path) -> None:
    def broken(name: str, fn: Callable[[Path], None]) -> None:
        d = t / "models" / name.replace(" ", "_")
        shutil.copytree(MODEL, d)
        fn(d)
        row(f"model folder: {name}", bitext("run", str(t / "m_in"), "--out", str(t / "m_c"), "-q", "--model", str(d)))

    (t / "m_in").mkdir()
    (t / "m_in" / "a.txt").write_text(ARTICLE, encoding="utf-8")
    broken("tokenizer files missing", lambda d: (d / "source.spm").unlink())
    broken("invalid config.json", lambda d: (d / "config.json").write_text("{oops"))
    broken("weights missing", lambda d: (d / "model.safetensors").unlink())
    broken("random bytes as model.safetensors", lambda d: (d / "model.safetensors").write_bytes(os.urandom(4096)))
    broken("model_type bert", lambda d: (d / "config.json").write_text(json.dumps({"model_type": "bert"})))
    row("Hub unreachable (HF_HUB_OFFLINE=1, default model)", bitext("run", str(t / "m_in"), "--out", str(t / "h"),
                                                                     "-q"))


@case
def outputs(t: Path) -> None:
    c = corpus(t / "out", MODEL)
    for name, out, extra in (
        ("/dev/full", "/dev/full", ()),
        ("a FIFO", str(_fifo(t / "fifo.tmx")), ()),
        ("a symlink", str(_link(t / "link.tmx", t / "victim.txt")), ()),
        ("a folder's missing parent", str(t / "nonexistent" / "dir" / "x.tmx"), ()),
    ):
        row(f"export --out {name}", bitext("export", str(c), "--format", "tmx", "--out", out, *extra),
            "victim intact" if name == "a symlink" and (t / "victim.txt").read_text() == "keep me" else "")
    row("publish --to a missing parent", bitext("publish", str(c), "--to", str(t / "nonexistent" / "ds")))
    mnt = mount("64k")
    if mnt is not None:
        big = corpus(t / "pubbig", MODEL, articles=30)
        row("publish on a full disk (64 KB)", bitext("publish", str(big), "--to", str(mnt / "ds")),
            f"left in the disk: {sorted(p.name for p in mnt.iterdir())}")
    child = subprocess.Popen(["true"])
    child.wait()
    (c / f".dataset.tmp-{child.pid}-0a1b2c3d").mkdir()
    row("leftover of a killed publish: doctor", bitext("doctor", str(c)))
    row("leftover of a killed publish: doctor --fix", bitext("doctor", str(c), "--fix"),
        f"left: {[p.name for p in c.iterdir() if p.name.startswith('.dataset')]}")


def _fifo(p: Path) -> Path:
    os.mkfifo(p)
    return p


def _link(p: Path, target: Path) -> Path:
    target.write_text("keep me")
    p.symlink_to(target)
    return p


@case
def inputs(t: Path) -> None:
    fifo = _fifo(t / "in.txt")
    row("FIFO named as input: segment", bitext("segment", str(fifo), "--out", str(t / "c1"), timeout=60))
    row("FIFO named as input: run", bitext("run", str(fifo), "--out", str(t / "c1"), timeout=60))
    row("device named as input", bitext("segment", "/dev/zero", "--out", str(t / "c1"), timeout=60))
    loop = t / "loop.txt"
    loop.symlink_to(loop)
    row("symlink loop as input", bitext("segment", str(loop), "--out", str(t / "c1")))
    (t / "empty").mkdir()
    row("empty input folder", bitext("segment", str(t / "empty"), "--out", str(t / "c2")))
    (t / "html").mkdir()
    (t / "html" / "p.html").write_text("<!DOCTYPE html><html><body><nav>Beranda | Nasional | Daerah</nav><article>"
                                       f"<p>{ARTICLE}</p></article><footer>Hak cipta</footer></body></html>")
    r = bitext("segment", str(t / "html"), "--out", str(t / "c3"))
    with sqlite3.connect(t / "c3" / "bitext.sqlite") as conn:
        texts = [x[0] for x in conn.execute("SELECT text FROM sentences")]
    ROWS.append(("HTML page with doctype and nav", r.returncode, f"sentences: {texts}", ""))
    c = corpus(t / "sh")
    row("--shard 99999999999999999999/99999999999999999999999",
        bitext("translate", str(c), "--shard", "99999999999999999999/99999999999999999999999"))
    row("align -q", bitext("align", str(c), "-q"))


@case
def concurrency(t: Path) -> None:
    src = t / "cc" / "in"
    src.mkdir(parents=True)
    text = " ".join(f"Kalimat nomor {k} tentang jembatan baru di desa {k * 7}." for k in range(400))
    (src / "a.txt").write_text("Jakarta (ANTARA) - " + text + "\n", encoding="utf-8")
    bitext("segment", str(src), "--out", str(t / "cc" / "c"), "-q")
    args = ["translate", str(t / "cc" / "c"), "--model", str(MODEL), "--backend", "transformers", "--beams", "1",
            "--max-new-tokens", "8", "-q"]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "bitext", *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=600)[0].strip() for p in procs]
    ROWS.append(("two translate runs on one corpus at once", f"{procs[0].returncode},{procs[1].returncode}",
                 " / ".join(o.split("cached=")[-1] for o in outs), ""))


@case
def hostile(t: Path) -> None:
    """The cases of issue 25: hostile inputs, another corpus's exports, a huge line, a store that is not one."""
    src = t / "mixed"
    src.mkdir()
    (src / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (src / "s.jsonl").write_text('{"id": "s1", "text": "Kalimat \\ud800 rusak."}\n'
                                 '{"id": "s2", "text": "Kalimat yang baik."}\n', encoding="utf-8")
    (src / "latin.csv").write_bytes('id,text\nc1,"Caf\xe9 baru."\n'.encode("latin-1"))
    (src / "late-nul.txt").write_bytes(("Kalimat. " * 2000 + "\x00 lagi.").encode())
    (src / "zw.txt").write_text("\u200b\u200c\ufeff\n", encoding="utf-8")
    (src / "dir.txt").mkdir()
    (src / "dir.txt" / "inner.txt").write_text(ARTICLE.replace("Mamuju.", "Palu."), encoding="utf-8")
    r = bitext("segment", str(src), "--out", str(t / "mc"))
    with sqlite3.connect(t / "mc" / "bitext.sqlite") as conn:
        ids = sorted(x[0] for x in conn.execute("SELECT id FROM articles"))
    bad = [Path(ln.split(": ", 2)[2]).name[:38] for ln in r.stderr.splitlines() if ln.startswith("bitext: ")]
    ROWS.append(("folder: lone surrogate in JSONL, latin-1 CSV, late NUL, zero-width only, folder named dir.txt",
                 r.returncode, f"{len(bad)} lines: " + "; ".join(bad), f"stored: {ids}"))

    ours, theirs = _two_corpora(t)
    for fmt, suffix in (("csv", "csv"), ("xliff", "xlf")):
        f = t / f"theirs.{suffix}"
        bitext("export", str(theirs), "--format", fmt, "--out", str(f))
        _edit_export(f, fmt)
        before = digest(ours / "bitext.sqlite")
        row(f"import-review of another corpus's {fmt} (same article names)",
            bitext("import-review", str(f), "--corpus", str(ours), "--reviewer", "r"),
            f"same content: {digest(ours / 'bitext.sqlite') == before}")
        r = bitext("import-review", str(f), "--corpus", str(ours), "--reviewer", "r", "--force-corpus")
        differs = len([ln for ln in r.stderr.splitlines() if "is not this corpus" in ln])
        ROWS.append(("… the same with --force-corpus", r.returncode, r.stdout.strip().splitlines()[-1].replace(
            str(TMP), "…"), f"{differs} refused: Indonesian differs (applied: the one sentence both corpora share;"
                            " other problems: pairs the csv import just edited)"))

    big = t / "line25.txt"
    big.write_text("Jakarta (ANTARA) - " + "Harga beras naik 3,5 persen pada pukul 10.00 WIB kata Dr. Budi. " * 390000,
                   encoding="utf-8")
    row("a 25 MB single-line article (default limit 20)", bitext("segment", str(big), "--out", str(t / "big")))
    timed = ["/usr/bin/time", "-f", "%e s, peak %M KB"] if Path("/usr/bin/time").exists() else []
    r = _run([*timed, sys.executable, "-m", "bitext", "segment", str(big), "--out", str(t / "big"),
              "--max-article-mb", "30", "-q"])
    ROWS.append(("… the same with --max-article-mb 30", r.returncode, r.stderr.strip().splitlines()[-1]
                 if timed else "", ""))

    for name, make in (("0-byte", lambda db: db.write_bytes(b"")),
                       ("foreign SQLite", lambda db: sqlite3.connect(db).execute("CREATE TABLE notes(x)").connection
                        .commit())):
        d = t / name.replace(" ", "_")
        d.mkdir()
        make(d / "bitext.sqlite")
        r = bitext("doctor", str(d))
        ROWS.append((f"{name} bitext.sqlite: doctor", r.returncode,
                     next((ln for ln in r.stdout.splitlines() if ln.startswith("PROBLEM")), "").replace(str(TMP), "…"),
                     ""))
        row(f"{name} bitext.sqlite: status", bitext("status", str(d)))

    import socket
    server = socket.socket()
    server.bind(("0.0.0.0", 0))
    server.listen(16)
    threading.Thread(target=_accept_and_close, args=(server,), daemon=True).start()
    port = server.getsockname()[1]
    r = _run(["/usr/bin/time", "-f", "%e s"] if timed else [], sys.executable, "-m", "bitext", "translate",
             str(ours), "--engine", "ray", "--ray-address", f"127.0.0.1:{port}", "--model", str(MODEL),
             env={"BITEXT_RAY_CONNECT_TIMEOUT": "5"})
    server.close()
    lines = [ln for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("Command exited")]  # GNU time
    ROWS.append(("--ray-address that accepts TCP but is no Ray cluster", r.returncode,
                 f"{len(lines) - bool(timed)} line(s), {lines[-1] if timed else ''}: {lines[0][:110]}", ""))
    row("translate --workers 0", bitext("translate", str(ours), "--workers", "0"))
    row("flag --workers -1", bitext("flag", str(ours), "--workers", "-1"))
    bitext("export", str(ours), "--format", "csv", "--out", str(t / "ours.csv"))
    with open(t / "ours.csv", encoding="utf-8", newline="") as fh:
        header = fh.readline().strip()
    ROWS.append(("review CSV export: columns", 0, header, ""))


def _run(cmd: list[str], *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300, env=full, cwd=ROOT)


def _accept_and_close(server: object) -> None:
    while True:
        try:
            conn, _ = server.accept()  # type: ignore[attr-defined]
        except OSError:
            return
        conn.close()


def _two_corpora(t: Path) -> tuple[Path, Path]:
    """Two corpora with the same article names (a0, a1), other sentences in each."""
    made = []
    for name, words in (("ours", "Gempa mengguncang"), ("theirs", "Banjir melanda")):
        src = t / f"{name}_in"
        src.mkdir()
        for k in range(2):
            (src / f"a{k}.txt").write_text(f"Jakarta (ANTARA) - {words} kota {k}. Warga {name} mengungsi. "
                                           f"Bantuan datang {k + 2} hari kemudian.\n", encoding="utf-8")
        bitext("run", str(src), "--out", str(t / name), "-q", "--model", str(MODEL), "--backend", "transformers",
               "--beams", "1", "--max-new-tokens", "8", "--no-publish")
        made.append(t / name)
    return made[0], made[1]


def _edit_export(f: Path, fmt: str) -> None:
    """Every row's English edited, as a reviewer would."""
    if fmt == "csv":
        from bitext.testing import edit_csv

        edit_csv(f, lambda rows: [{**r, "edited": f"Edited: {r['id']}"} for r in rows])
        return
    import re

    text = f.read_text(encoding="utf-8")
    f.write_text(re.sub(r"<target>[^<]*</target>|<target\s*/>", "<target>Edited English.</target>", text),
                 encoding="utf-8")


def main() -> int:
    global TMP, MODEL
    TMP = Path(tempfile.mkdtemp(prefix="bitext-faults-"))
    sys.path.insert(0, str(ROOT))
    from bitext.testing import make_tiny_model

    MODEL = make_tiny_model(TMP / "tiny-model")
    try:
        wanted = sys.argv[1:]  # case names (functions), e.g. 'hostile'; none: every case
        for fn in CASES:
            if wanted and fn.__name__ not in wanted:
                continue
            d = TMP / fn.__name__
            d.mkdir()
            fn(d)
    finally:
        for m in reversed(MOUNTS):
            subprocess.run(["umount", "-l", str(m)], capture_output=True)
        shutil.rmtree(TMP, ignore_errors=True)
    print("| case | exit | message (last stderr line) | data |")
    print("|---|---|---|---|")
    for c, code, msg, intact in ROWS:
        print(f"| {c} | {code} | {msg.replace('|', '/')} | {intact} |")
    return 0


TMP = Path()
MODEL = Path()

if __name__ == "__main__":
    sys.exit(main())
