"""How much a running server can write into a volume at most, read from the process's own settings.

The JVM's command line says where the GC log goes and how it rotates (-Xlog:...:file=F:...:filecount=N,
filesize=S: at most N rotated files plus the current one); the log4j configuration file it names says
which file appenders the loggers use (RollingFileAppender: (MaxBackupIndex + 1) x MaxFileSize;
DailyRollingFileAppender and FileAppender: no bound at all).
"""

from __future__ import annotations

import math
import re

from .kubelet import quantity_bytes
from .properties import to_dict

_XLOG_FILE = re.compile(r"-Xlog:[^:]*:file=(?P<file>[^:]+)(?::[^:]*)?(?::(?P<options>.*))?$")
JDK_DEFAULT_FILECOUNT, JDK_DEFAULT_FILESIZE = 5, 20 * 2**20


def _size(text: str) -> int:
    text = text.strip().upper().replace("B", "")
    for unit, factor in (("K", 2**10), ("M", 2**20), ("G", 2**30)):
        if text.endswith(unit):
            return int(float(text[:-1]) * factor)
    return int(text)


def gc_log_bound(java_args: list[str], folder: str) -> tuple[float, list[str]]:
    total, found = 0.0, []
    for arg in java_args:
        match = _XLOG_FILE.match(arg)
        if match is None or not match["file"].startswith(folder.rstrip("/") + "/"):
            continue
        options = dict(o.split("=", 1) for o in (match["options"] or "").split(",") if "=" in o)
        count = int(options.get("filecount", JDK_DEFAULT_FILECOUNT))
        size = _size(options["filesize"]) if "filesize" in options else JDK_DEFAULT_FILESIZE
        total += (count + 1) * size if size > 0 else math.inf
        found.append(f"GC log {match['file']}: ({count} + 1) x {size}")
    return total, found


def log4j_bound(config_text: str, properties: dict[str, str], folder: str) -> tuple[float, list[str]]:
    settings = to_dict(config_text)
    used: set[str] = set()
    for key, value in settings.items():
        if key == "log4j.rootLogger" or key.startswith("log4j.logger."):
            used.update(name.strip() for name in value.split(",")[1:] if name.strip())
    total, found = 0.0, []
    for name in sorted(used):
        kind = settings.get(f"log4j.appender.{name}", "")
        file = settings.get(f"log4j.appender.{name}.File")
        if file is None:
            continue
        for prop, value in properties.items():
            file = file.replace("${" + prop + "}", value)
        if not file.startswith(folder.rstrip("/") + "/"):
            continue
        if kind.endswith(".RollingFileAppender"):
            backups = int(settings.get(f"log4j.appender.{name}.MaxBackupIndex", "1"))
            size = _size(settings.get(f"log4j.appender.{name}.MaxFileSize", "10MB"))
            total += (backups + 1) * size
            found.append(f"{name} {file}: ({backups} + 1) x {size}")
        else:
            total = math.inf
            found.append(f"{name} {file}: {kind.rsplit('.', 1)[-1]} never deletes a file")
    return total, found


__all__ = ["gc_log_bound", "log4j_bound", "quantity_bytes"]
