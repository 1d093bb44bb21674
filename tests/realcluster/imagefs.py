"""A container's root filesystem laid out like its image: the image's own paths, users and declared volumes.

The project's image facts (generator/images.yaml: user, uid/gid, home, WORKDIR, declared VOLUMEs, tools)
decide the layout. What they do not hold and a started process needs is below, with its source:
the image's ENV and the ownership of the folders its Dockerfile creates. The image's userland is stood
in for by the host's (/usr bound read-only), its Java by the host's JDK 17 bound at the image's
JAVA_HOME, the distribution's jars by the Maven class path and its bin/ scripts by standins.py (Kafka 4.x:
standins_kafka4.py).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from generator.images import ImageFacts, facts_for_image

from . import standins, standins_kafka4

HOST_JDK = Path("/usr/lib/jvm/java-17-openjdk-amd64")
# Host /etc entries the bound userland and JDK need (Debian keeps the JDK's conf and the java symlink here).
HOST_ETC = ("alternatives", "java-17-openjdk", "ssl", "ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime")
# eclipse-temurin images (both bases): ENV JAVA_HOME=/opt/java/openjdk, PATH=$JAVA_HOME/bin:$PATH, LANG.
TEMURIN_JAVA_HOME = "/opt/java/openjdk"
BASE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
TEMURIN_ENV = {
    "JAVA_HOME": TEMURIN_JAVA_HOME,
    "PATH": f"{TEMURIN_JAVA_HOME}/bin:{BASE_PATH}",
    "LANG": "en_US.UTF-8",
    "LANGUAGE": "en_US:en",
    "LC_ALL": "en_US.UTF-8",
}


@dataclass(frozen=True)
class Folder:
    path: str
    uid: int
    gid: int
    mode: int


@dataclass(frozen=True)
class ImageLayout:
    facts: ImageFacts
    version: str
    env: dict[str, str]
    folders: tuple[Folder, ...]  # created by the Dockerfile, with their ownership
    files: dict[str, str] = field(default_factory=dict)  # path -> text (stand-ins, 0755 when under bin/)
    libs: str = ""  # where the distribution's jars live (the Maven class path is bound there)

    @property
    def home(self) -> str:
        return self.facts.home.format(version=self.version)

    @property
    def workdir(self) -> str:
        return self.facts.workdir.format(version=self.version)

    @property
    def volumes(self) -> tuple[str, ...]:
        return tuple(v.format(version=self.version) for v in self.facts.volumes)

    def volume_folder(self, path: str) -> Folder:
        """Ownership of a declared VOLUME as the image has it; containerd copies it to the anonymous volume."""
        return next((f for f in self.folders if f.path == path), Folder(path, 0, 0, 0o755))


def layout_for(image: str, version: str) -> ImageLayout:
    facts = facts_for_image(image)
    if facts is None:
        raise LookupError(f"generator/images.yaml has no facts for image {image!r}")
    uid, gid = facts.uid, facts.gid
    if facts.repository == "apache/kafka":
        # apache/kafka docker/jvm/Dockerfile: mkdir -p /var/lib/kafka/data /etc/kafka/secrets /etc/kafka/docker
        # /usr/logs /mnt/shared/config; chown appuser:appuser -R /usr/logs /opt/kafka /mnt/shared/config;
        # chown appuser:root -R /var/lib/kafka /etc/kafka; chmod -R ug+w /etc/kafka /var/lib/kafka.
        home = facts.home
        folders = (
            Folder(home, uid, gid, 0o755),
            Folder(f"{home}/bin", uid, gid, 0o755),
            Folder(f"{home}/config", uid, gid, 0o755),
            Folder(f"{home}/libs", uid, gid, 0o755),
            Folder("/var/lib/kafka", uid, 0, 0o775),
            Folder("/var/lib/kafka/data", uid, 0, 0o775),
            Folder("/etc/kafka", uid, 0, 0o775),
            Folder("/etc/kafka/secrets", uid, 0, 0o775),
            Folder("/etc/kafka/docker", uid, 0, 0o775),
            Folder("/usr/logs", uid, gid, 0o755),
            Folder("/mnt/shared/config", uid, gid, 0o755),
            Folder(f"/home/{facts.user}", uid, gid, 0o755),
        )
        files = {
            f"{home}/bin/kafka-server-start.sh": standins.KAFKA_SERVER_START,
            f"{home}/bin/kafka-run-class.sh": standins.KAFKA_RUN_CLASS,
            f"{home}/config/log4j.properties": standins.KAFKA_LOG4J,
            f"{home}/config/tools-log4j.properties": standins.KAFKA_TOOLS_LOG4J,
        }
        if int(version.split(".")[0]) >= 4:  # KRaft only, log4j2, kafka-storage.sh (standins_kafka4.py)
            files = standins_kafka4.files(home)
        return ImageLayout(facts, version, dict(TEMURIN_ENV), folders, files, libs=f"{home}/libs")
    if facts.repository == "zookeeper":
        # 31z4/zookeeper-docker 3.8.4/Dockerfile: ENV ZOO_CONF_DIR=/conf ZOO_DATA_DIR=/data
        # ZOO_DATA_LOG_DIR=/datalog ZOO_LOG_DIR=/logs ...; PATH=$PATH:/<dist>/bin ZOOCFGDIR=$ZOO_CONF_DIR;
        # mkdir + chown zookeeper:zookeeper /datalog /data /conf /logs; conf/* moved to /conf.
        home = facts.home.format(version=version)
        env = dict(TEMURIN_ENV)
        env.update(
            {
                "ZOO_CONF_DIR": "/conf",
                "ZOO_DATA_DIR": "/data",
                "ZOO_DATA_LOG_DIR": "/datalog",
                "ZOO_LOG_DIR": "/logs",
                "ZOO_TICK_TIME": "2000",
                "ZOO_INIT_LIMIT": "5",
                "ZOO_SYNC_LIMIT": "2",
                "ZOO_AUTOPURGE_PURGEINTERVAL": "0",
                "ZOO_AUTOPURGE_SNAPRETAINCOUNT": "3",
                "ZOO_MAX_CLIENT_CNXNS": "60",
                "ZOO_STANDALONE_ENABLED": "true",
                "ZOO_ADMINSERVER_ENABLED": "true",
                "ZOOCFGDIR": "/conf",
            }
        )
        env["PATH"] = f"{env['PATH']}:{home}/bin"
        paths = ("/data", "/datalog", "/conf", "/logs", home, f"{home}/bin", f"{home}/lib")
        folders = tuple(Folder(p, uid, gid, 0o755) for p in paths)
        files = {
            f"{home}/bin/zkServer.sh": standins.ZK_SERVER,
            f"{home}/bin/zkEnv.sh": standins.ZK_ENV,
            "/conf/log4j.properties": standins.ZK_LOGGING,
        }
        return ImageLayout(facts, version, env, folders, files, libs=f"{home}/lib")
    raise LookupError(f"no layout for image {facts.repository}")


def build_rootfs(layout: ImageLayout, root: Path, mount_points: list[str]) -> None:
    """A fresh root folder for one container (its writable layer, discarded when the container goes).

    `mount_points` are created like runc creates them before it mounts (and before a read-only remount).
    """
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    for link, to in (("bin", "usr/bin"), ("sbin", "usr/sbin"), ("lib", "usr/lib"), ("lib64", "usr/lib64")):
        (root / link).symlink_to(to)
    for name in ("usr", "proc", "dev", "etc", "root", "var", "run", "opt/java/openjdk"):
        (root / name).mkdir(parents=True, exist_ok=True)
    (root / "tmp").mkdir(mode=0o1777)
    os.chmod(root / "tmp", 0o1777)
    for folder in layout.folders:
        path = root / folder.path.lstrip("/")
        path.mkdir(parents=True, exist_ok=True)
        os.chown(path, folder.uid, folder.gid)
        os.chmod(path, folder.mode)
    for path_text, text in layout.files.items():
        path = root / path_text.lstrip("/")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        os.chown(path, layout.facts.uid, layout.facts.gid)
        os.chmod(path, 0o755 if "/bin/" in path_text else 0o644)
    etc = root / "etc"
    facts = layout.facts
    (etc / "passwd").write_text(
        f"root:x:0:0:root:/root:/bin/bash\n{facts.user}:x:{facts.uid}:{facts.gid}::/home/{facts.user}:/bin/bash\n"
    )
    (etc / "group").write_text(f"root:x:0:\n{facts.user}:x:{facts.gid}:\n")
    (etc / "nsswitch.conf").write_text("passwd: files\ngroup: files\nhosts: files\n")
    (etc / "resolv.conf").write_text("")
    for name in ("hosts", "hostname"):
        (etc / name).touch()
    for name in HOST_ETC:
        source = Path("/etc") / name
        if source.is_dir():
            (etc / name).mkdir(exist_ok=True)
        elif source.exists():
            (etc / name).touch()
    for mount in mount_points:
        (root / mount.lstrip("/")).mkdir(parents=True, exist_ok=True)


def host_binds(layout: ImageLayout, classpath: Path) -> list[tuple[str, str]]:
    """(host path, container path) pairs bound read-only: userland, JDK, jars."""
    binds = [("/usr", "/usr"), (str(HOST_JDK), TEMURIN_JAVA_HOME), (str(classpath), layout.libs)]
    binds += [(f"/etc/{name}", f"/etc/{name}") for name in HOST_ETC if Path(f"/etc/{name}").exists()]
    return binds
