"""Build one deployable zip per function: main.py, pinned requirements.txt, mentionfleet/.

The zips are byte-for-byte reproducible (sorted entries, fixed timestamps), so their
hash, which names the uploaded object in Terraform, changes only when content does.
Pins come from constraints.txt, the project's one place for versions.
"""

from __future__ import annotations

import hashlib
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FUNCTIONS = ("fanout", "scorer")
EPOCH = (1980, 1, 1, 0, 0, 0)
# Operator-side modules that deployed functions never import.
EXCLUDE_DIRS = {"__pycache__", "localstack", "cli"}


def _pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==", 1)
            pins[_norm(name)] = version.strip()
    return pins


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned_requirements(source: Path, pins: dict[str, str]) -> str:
    lines = []
    for raw in source.read_text().splitlines():
        req = raw.split("#", 1)[0].strip()
        if not req:
            continue
        name = re.split(r"[\[<>=!~ ]", req, maxsplit=1)[0]
        if _norm(name) not in pins:
            sys.exit(f"{source}: {name!r} has no pin in constraints.txt")
        lines.append(f"{req.split('=')[0].split('<')[0].split('>')[0]}=={pins[_norm(name)]}")
    return "\n".join(lines) + "\n"


def _entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.external_attr = 0o644 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build(function: str, out_dir: Path, pins: dict[str, str]) -> Path:
    src = ROOT / "functions" / function
    pkg = ROOT / "shared" / "mentionfleet"
    out = out_dir / f"{function}.zip"
    files = sorted(
        p
        for p in pkg.rglob("*")
        if p.is_file()
        and not EXCLUDE_DIRS & set(p.relative_to(pkg).parts)
        and p.suffix in {".py", ".sql", ".typed"}
    )
    with zipfile.ZipFile(out, "w") as zf:
        _entry(zf, "main.py", (src / "main.py").read_bytes())
        _entry(zf, "requirements.txt", pinned_requirements(src / "requirements.txt", pins).encode())
        for path in files:
            _entry(zf, f"mentionfleet/{path.relative_to(pkg).as_posix()}", path.read_bytes())
    return out


def main() -> None:
    out_dir = ROOT / "dist"
    out_dir.mkdir(exist_ok=True)
    pins = _pins()
    for function in FUNCTIONS:
        out = build(function, out_dir, pins)
        digest = hashlib.sha256(out.read_bytes()).hexdigest()[:12]
        print(f"{out.relative_to(ROOT)}  {out.stat().st_size:>8} bytes  sha256 {digest}")


if __name__ == "__main__":
    main()
