"""Deterministic, realistic events for a schema version.

The generator walks the version's normalised schema, so it follows whatever the version
declares (v2's `dd` included), and fills values the way the security agent does: process trees
with a parent and ancestors, credentials with capability sets, 64-hex container ids, file paths
and modes, RFC 3339 timestamps. Every event is checked against the version before it is written.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

from compat.errors import CompatError
from compat.schema.load import LoadedSchema
from compat.schema.model import Node, Ref, deref

MAX_DEPTH = 12
EPOCH = datetime(2021, 3, 1, 8, 0, 0, tzinfo=timezone.utc)

COMMANDS = [
    "bash",
    "sh",
    "python3",
    "nginx",
    "sshd",
    "curl",
    "containerd-shim",
    "java",
    "node",
    "systemd",
    "cron",
    "sudo",
    "apt-get",
    "kubelet",
    "dockerd",
    "postgres",
    "vim",
]
BINARIES = {
    "bash": "/usr/bin/bash",
    "sh": "/bin/sh",
    "python3": "/usr/bin/python3.9",
    "nginx": "/usr/sbin/nginx",
    "sshd": "/usr/sbin/sshd",
    "curl": "/usr/bin/curl",
    "containerd-shim": "/usr/bin/containerd-shim-runc-v2",
    "java": "/usr/lib/jvm/bin/java",
    "node": "/usr/local/bin/node",
    "systemd": "/lib/systemd/systemd",
    "cron": "/usr/sbin/cron",
    "sudo": "/usr/bin/sudo",
    "apt-get": "/usr/bin/apt-get",
    "kubelet": "/usr/bin/kubelet",
    "dockerd": "/usr/bin/dockerd",
    "postgres": "/usr/lib/postgresql/13/bin/postgres",
    "vim": "/usr/bin/vim.basic",
}
FILES = [
    "/etc/passwd",
    "/etc/shadow",
    "/etc/hosts",
    "/var/log/auth.log",
    "/tmp/.X11-unix/x0",
    "/root/.ssh/authorized_keys",
    "/etc/ld.so.preload",
    "/usr/lib/x86_64-linux-gnu/libc.so.6",
    "/var/run/docker.sock",
    "/proc/self/environ",
    "/etc/kubernetes/admin.conf",
    "/home/app/.bash_history",
    "/etc/cron.d/backup",
    "/opt/app/config.yaml",
]
CAPABILITIES = [
    "CAP_CHOWN",
    "CAP_DAC_OVERRIDE",
    "CAP_FOWNER",
    "CAP_KILL",
    "CAP_SETGID",
    "CAP_SETUID",
    "CAP_NET_BIND_SERVICE",
    "CAP_NET_RAW",
    "CAP_SYS_CHROOT",
    "CAP_SYS_ADMIN",
    "CAP_SYS_PTRACE",
    "CAP_AUDIT_WRITE",
    "CAP_MKNOD",
]
USERS = [(0, "root"), (1000, "app"), (33, "www-data"), (999, "postgres"), (65534, "nobody")]
EVENTS = [
    ("exec", "process"),
    ("open", "file"),
    ("chmod", "file"),
    ("chown", "file"),
    ("unlink", "file"),
    ("rename", "file"),
    ("mkdir", "file"),
    ("setuid", "process"),
    ("selinux", "kernel"),
    ("link", "file"),
    ("utimes", "file"),
]
FILESYSTEMS = ["ext4", "overlay", "xfs", "tmpfs", "proc"]
ENVS = [
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME=/root",
    "LANG=C.UTF-8",
    "TERM=xterm",
    "HOSTNAME=web-7f9c",
    "KUBERNETES_SERVICE_PORT=443",
    "SHLVL=1",
    "PWD=/",
    "DD_ENV=prod",
]
# how often an optional property is present, by name (default OPTIONAL)
OPTIONAL = 0.7
PRESENCE = {
    "evt": 1.0,
    "date": 1.0,
    "process": 0.98,
    "parent": 0.95,
    "ancestors": 0.9,
    "credentials": 0.97,
    "executable": 0.97,
    "args": 0.9,
    "envs": 0.6,
    "file": 0.6,
    "selinux": 0.1,
    "usr": 0.5,
    "dd": 0.6,
    "container": 0.7,
    "destination": 0.1,
    "path_resolution_error": 0.03,
    "exit_time": 0.2,
    "attribute_name": 0.05,
    "attribute_namespace": 0.05,
    "new_mount_id": 0.05,
    "group_id": 0.1,
    "device": 0.3,
    "fstype": 0.4,
    "bool": 0.4,
    "enforce": 0.3,
    "bool_commit": 0.3,
    "container.id": 1.0,
    "usr.id": 0.9,
    "usr.group": 0.8,
    "dd.span_id": 0.95,
    "dd.trace_id": 0.95,
}


class _Context:
    def __init__(self, rng: random.Random, index: int) -> None:
        self.rng = rng
        self.time = EPOCH + timedelta(
            seconds=index * 7 + rng.randint(0, 6), microseconds=rng.randint(0, 999_999)
        )
        self.command = rng.choice(COMMANDS)
        self.user = rng.choice(USERS)
        self.pid = rng.randint(300, 32_000)
        self.event = rng.choice(EVENTS)


def generate_events(schema: LoadedSchema, count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """`count` events valid under `schema`, the same ones for the same seed."""
    if count < 0:
        raise CompatError("the number of events must be 0 or more")
    from compat.schema.compiled import fast_validator

    validator = fast_validator(schema.source.document, schema.draft, False, schema.label)
    rng = random.Random(seed)
    for index in range(count):
        for _ in range(20):
            event = _value(deref(schema.document.root), "", _Context(rng, index), 0)
            if validator.is_valid(event):
                yield event
                break
        else:
            raise CompatError(
                f"{schema.label}: could not generate a valid event (the schema "
                "may be too restrictive for the generator)"
            )


def _value(node: Node | None, name: str, ctx: _Context, depth: int, owner: str = "") -> Any:
    rng = ctx.rng
    if node is None or node.boolean is True:
        return {} if depth < MAX_DEPTH else None
    if node.enum:
        return rng.choice(node.enum)
    kinds = (
        sorted(node.types)
        if node.types is not None
        else (["object"] if node.properties else ["string"])
    )
    if node.ref is not None and node.types is None:
        return _value(deref(node.ref), name, ctx, depth + 1)
    kind = "object" if "object" in kinds else rng.choice(kinds)
    if kind == "object":
        return _object(node, name, ctx, depth)
    if kind == "array":
        return _array(node, name, ctx, depth)
    if kind == "string":
        return _string(node, name, ctx, owner)
    if kind in ("integer", "number"):
        return _integer(node, name, ctx)
    if kind == "boolean":
        return rng.random() < 0.3
    return None


def _object(node: Node, owner: str, ctx: _Context, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if depth >= MAX_DEPTH:
        return {
            name: _value(deref(node.properties.get(name)), name, ctx, depth + 1, owner)
            for name in sorted(node.required)
        }
    for name, prop in node.properties.items():
        chance = PRESENCE.get(f"{owner}.{name}", PRESENCE.get(name, OPTIONAL))
        if name in node.required or ctx.rng.random() < chance:
            out[name] = _value(deref(prop), name, ctx, depth + 1, owner)
    for name in sorted(node.required - set(out)):
        out[name] = _value(deref(_schema_for(node, name)), name, ctx, depth + 1, owner)
    return out


def _schema_for(node: Node, name: str) -> Node | Ref | None:
    return node.properties.get(name, node.additional_properties)


def _array(node: Node, name: str, ctx: _Context, depth: int) -> list[Any]:
    rng = ctx.rng
    item = deref(node.items)
    if name in ("cap_effective", "cap_permitted"):
        count = rng.randint(0, 6)
        return sorted(rng.sample(CAPABILITIES, count))
    if name == "args":
        return [
            ctx.command,
            *(
                rng.choice(["-c", "-la", "--verbose", "/tmp", "start", "-p", "8080", "run"])
                for _ in range(rng.randint(0, 5))
            ),
        ]
    if name == "envs":
        return rng.sample(ENVS, rng.randint(1, 6))
    if name == "ancestors":
        count = rng.randint(2, 6)
    elif name == "flags":
        return rng.sample(
            ["O_RDONLY", "O_WRONLY", "O_CREAT", "O_TRUNC", "O_APPEND"], rng.randint(1, 2)
        )
    else:
        count = rng.randint(0, 3)
    count = max(count, node.min_items or 0)
    if node.max_items is not None:
        count = min(count, node.max_items)
    return [_value(item, name, ctx, depth + 1) for _ in range(count)]


def _string(node: Node, name: str, ctx: _Context, owner: str) -> str:
    rng = ctx.rng
    if node.format == "date-time" or name.endswith("_time") or name == "date":
        ctx.time -= timedelta(milliseconds=rng.randint(1, 500_000))
        return ctx.time.isoformat(timespec="microseconds").replace("+00:00", "Z")
    command = ctx.command
    values: dict[str, Any] = {
        "path": BINARIES.get(command, "/usr/bin/" + command)
        if rng.random() < 0.5
        else rng.choice(FILES),
        "name": command if rng.random() < 0.5 else rng.choice(FILES).rsplit("/", 1)[-1],
        "comm": command,
        "filesystem": rng.choice(FILESYSTEMS),
        "fstype": rng.choice(FILESYSTEMS),
        "user": ctx.user[1],
        "euser": ctx.user[1],
        "fsuser": ctx.user[1],
        "group": ctx.user[1],
        "egroup": ctx.user[1],
        "fsgroup": ctx.user[1],
        "tty": rng.choice(["", "pts/0", "pts/1", "tty1"]),
        "category": ctx.event[1],
        "outcome": rng.choice(["Success", "Success", "Success", "Refused", "Error"]),
        "state": rng.choice(["on", "off"]),
        "status": rng.choice(["enforcing", "permissive", "disabled"]),
        "path_resolution_error": "path not found",
        "attribute_name": "user.mime_type",
        "attribute_namespace": "user",
    }
    if name == "id" and owner == "usr":
        return ctx.user[1]
    if name == "id":
        return "".join(rng.choice("0123456789abcdef") for _ in range(64))
    if name == "name" and ctx.event and rng.random() < 0.5:
        return ctx.event[0]
    value = values.get(name)
    if value is None:
        value = "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(4, 12)))
    if node.max_length is not None:
        value = value[: node.max_length]
    if node.min_length and len(value) < node.min_length:
        value = value + "x" * (node.min_length - len(value))
    return str(value)


def _integer(node: Node, name: str, ctx: _Context) -> int:
    rng = ctx.rng
    if name in ("pid", "tid"):
        ctx.pid = max(1, ctx.pid - rng.randint(1, 50))
        value = ctx.pid
    elif name == "ppid":
        value = max(1, ctx.pid - rng.randint(1, 50))
    elif name in ("uid", "euid", "fsuid", "gid", "egid", "fsgid", "group_id"):
        value = ctx.user[0]
    elif name == "inode":
        value = rng.randint(1_000, 50_000_000)
    elif name == "mode":
        value = rng.choice([0o100644, 0o100755, 0o100600, 0o40755, 0o120777])
    elif name in ("mount_id", "new_mount_id"):
        value = rng.randint(20, 2_000)
    elif name == "device":
        value = rng.randint(0, 300)
    elif name in ("span_id", "trace_id"):
        value = rng.randint(1, 2**63 - 1)
    else:
        value = rng.randint(0, 10_000)
    if node.lower is not None and value < node.lower.value:
        value = int(node.lower.value) + 1
    if node.upper is not None and value > node.upper.value:
        value = int(node.upper.value) - 1
    return value
