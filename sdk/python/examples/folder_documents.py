#!/usr/bin/env python3
"""Reference add-in: the open documents of a folder you name.

Every second it looks at which files under FOLDER any of your processes has open (the
``/proc/*/fd`` links of processes you own) and pushes that list to Chauffeur when it changed.
A restore opens the documents that are not open any more with an opener command
(``xdg-open`` unless ``--opener`` says otherwise) and reports ``already-present`` for those that
are. Copy it and change :func:`capture` to make your own add-in.

    python3 folder_documents.py ~/Documents/thesis
    python3 folder_documents.py ~/notes --id notes --opener "gnome-text-editor"

Items: kind ``document``, key = the path relative to FOLDER, data ``{"path": absolute path}``.
"""

from __future__ import annotations

import argparse
import logging
import os
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List, Optional, Set

from chauffeur_addin import AddIn, action, envelope, item, plan, report, result, selected

def open_files_under(folder: Path) -> Set[Path]:
    """Regular files under ``folder`` that a process of this user has open."""
    me, uid, found = os.getpid(), os.getuid(), set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        try:
            if entry.stat(follow_symlinks=False).st_uid != uid:
                continue
            fds = os.scandir(f"/proc/{entry.name}/fd")
        except OSError:
            continue  # gone, or not ours
        with fds:
            for fd in fds:
                try:
                    target = Path(os.readlink(fd.path))
                except OSError:
                    continue
                if target.is_absolute() and target.is_relative_to(folder) and target.is_file():
                    found.add(target)
    return found


def capture(folder: Path) -> Dict[str, Any]:
    """The state envelope: one ``document`` item per open file under ``folder``."""
    paths = sorted(open_files_under(folder))
    return envelope(
        item(str(p.relative_to(folder)), "document", title=p.name, data={"path": str(p)})
        for p in paths
    )


def inside(folder: Path, key: str) -> Optional[Path]:
    """``folder/key``, or ``None`` when the key would leave the folder (``../x``, ``/x``)."""
    path = (folder / key).resolve()
    return path if path.is_relative_to(folder) and path != folder else None


def main(argv: Optional[List[str]] = None) -> int:
    """Parses the arguments and runs the add-in until SIGTERM or Ctrl-C."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the folder whose open documents to keep")
    parser.add_argument("--id", default="folder-documents", help="the add-in id")
    parser.add_argument("--opener", default="xdg-open", help="command that opens one file")
    parser.add_argument("--every", type=float, default=1.0, help="seconds between scans")
    parser.add_argument("--url", help="the daemon's URL (default: found in its run directory)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s", stream=sys.stderr)

    folder: Path = args.folder.expanduser().resolve()
    opener = shlex.split(args.opener)
    addin = AddIn(args.id, name=f"Documents in {folder}", version="1.0.0", url=args.url)

    @addin.on("plan")
    def plan_restore(state: Dict[str, Any], options: Dict[str, Any]) -> Dict[str, Any]:
        open_now, actions = open_files_under(folder), []
        for doc in selected(state, options):
            path = inside(folder, doc["key"])
            if path is None or not path.is_file():
                actions.append(action(doc["key"], "skip", "the file is gone"))
            elif path in open_now:
                actions.append(action(doc["key"], "already-present"))
            else:
                actions.append(action(doc["key"], "open", f"{args.opener} {path}"))
        return plan(actions)

    @addin.on("restore")
    def restore(state: Dict[str, Any], options: Dict[str, Any]) -> Dict[str, Any]:
        open_now, results = open_files_under(folder), []
        for doc in selected(state, options):
            path = inside(folder, doc["key"])
            if path is None or not path.is_file():
                results.append(result(doc["key"], "failed", "the file is gone"))
            elif path in open_now:
                results.append(result(doc["key"], "already-present"))
            elif options.get("imported") and not options.get("allow_commands"):
                results.append(result(doc["key"], "skipped", "imported snapshot: not opening"))
            else:
                try:
                    subprocess.Popen(
                        [*opener, str(path)],
                        stdin=subprocess.DEVNULL,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                    results.append(result(doc["key"], "restored", f"opened with {opener[0]}"))
                except OSError as e:
                    results.append(result(doc["key"], "failed", f"{opener[0]}: {e}"))
        return report(results)

    addin.start(wait=True)
    addin.watch(lambda: capture(folder), every=args.every)
    return 0


if __name__ == "__main__":
    sys.exit(main())
