"""Deterministic, realistic events for a schema version, generated fast.

A walker compiled from the version's normalised schema (so it follows whatever the version
declares, v2's `dd` included) fills events the way the security agent does: process trees with
a parent and ancestors, credentials with capability sets, file paths and modes, container ids,
RFC 3339 timestamps. What it builds is a *template*: a whole event in which the values that
differ from one event to the next are holes: the event's time and the earlier timestamps (kept
as offsets before it), process ids (offsets below the event's first pid), the container id and
the APM span and trace ids. A value is a hole only where its schema asks for nothing beyond its
type (and format), so that any value of the kind filled in fits.

Each event is a template with its holes filled, and with its own draw of which of the root's
properties it has (a template has them all). One event in FRESH (and every event until
MIN_POOL templates exist) gets a template of its own; the others reuse one of the last POOL
templates, as real streams repeat the same process trees. Filling writes into the template
itself (each event is serialised before the next one is filled), so an event costs a few dozen
assignments, one jsonschema-rs check and one orjson serialisation. A template whose event is
rejected is dropped and another one tried. The same seed gives the same events, byte for byte.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import orjson

from compat.errors import CompatError
from compat.schema.load import LoadedSchema
from compat.schema.model import Node, deref

MAX_DEPTH = 12
EPOCH = datetime(2021, 3, 1, 8, 0, 0, tzinfo=timezone.utc)
FRESH = 32  # one event in FRESH gets a template of its own
MIN_POOL = 64  # until there are this many templates, every event gets its own
POOL = 256  # events reuse one of the last POOL templates
CONTAINERS = 48  # container ids on the generated host
ATTEMPTS = 20  # templates tried for one event before the schema is declared too restrictive

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
ARGUMENTS = ["-c", "-la", "--verbose", "/tmp", "start", "-p", "8080", "run"]
OPEN_FLAGS = ["O_RDONLY", "O_WRONLY", "O_CREAT", "O_TRUNC", "O_APPEND"]
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

# -- holes: the values filled in for each event ----------------------------------------------

TIME, NOW, PID, CONTAINER, TRACE = range(5)
MINUTE = 60_000_000  # microseconds


class _Hole:
    """A value left open in a template: how far before the event a TIME or PID lies."""

    __slots__ = ("kind", "offset")

    def __init__(self, kind: int, offset: int = 0) -> None:
        self.kind = kind
        self.offset = offset


class _Template:
    """A whole event and where its holes are: (object or array, key, ...) per kind.

    Filling writes into the template itself: an event is serialised before the next one is
    filled, and the sub-objects with no hole are never written to.

    A template's times are kept as whole minutes after the minute before the event's, and the
    rest of their text: `within` is where the template's own time falls in its minute, so each
    time stays before the event's time and the gaps between them are kept.
    """

    __slots__ = ("containers", "deepest_pid", "nows", "pids", "times", "traces", "value")

    def __init__(self, value: Any, within: int) -> None:
        self.value = value
        self.times: list[tuple[Any, Any, int, str]] = []  # minute, the text after the minute
        self.pids: list[tuple[Any, Any, int]] = []  # below the event's first pid
        self.nows: list[tuple[Any, Any]] = []
        self.containers: list[tuple[Any, Any]] = []
        self.traces: list[tuple[Any, Any]] = []
        if type(value) is dict or type(value) is list:
            self._find(value, within)
        self.deepest_pid = max((offset for _, _, offset in self.pids), default=0)

    def _find(self, value: Any, within: int) -> None:
        items: Any = value.items() if type(value) is dict else enumerate(value)
        for key, item in items:
            kind = type(item)
            if kind is dict or kind is list:
                self._find(item, within)
            elif kind is _Hole:
                if item.kind == TIME:
                    minute, rest = divmod(within - item.offset, MINUTE)
                    second, fraction = divmod(rest, 1_000_000)
                    self.times.append((value, key, minute, f"{second:02d}.{fraction:06d}Z"))
                elif item.kind == PID:
                    self.pids.append((value, key, item.offset))
                elif item.kind == NOW:
                    self.nows.append((value, key))
                elif item.kind == CONTAINER:
                    self.containers.append((value, key))
                else:
                    self.traces.append((value, key))


def _minute_text(minute: int) -> str:
    """The text of a time up to its seconds, `minute` minutes after EPOCH."""
    return (EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")


def _time_text(micros: int) -> str:
    minute, rest = divmod(micros, MINUTE)
    second, fraction = divmod(rest, 1_000_000)
    return f"{_minute_text(minute)}{second:02d}.{fraction:06d}Z"


# -- the walker: a template from the schema --------------------------------------------------


class _Draft:
    """One template being built: its random source and the agent-like context it follows."""

    __slots__ = ("command", "event", "pid", "random", "rng", "since", "user")

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.random = rng.random
        self.command = _pick(rng, COMMANDS)
        self.user = _pick(rng, USERS)
        self.event = _pick(rng, EVENTS)
        self.since = 0  # microseconds before the event's time
        self.pid = 0  # below the event's first pid


def _pick(rng: random.Random, items: list[Any]) -> Any:
    return items[int(rng.random() * len(items))]


Gen = Callable[[_Draft, int], Any]  # (draft, depth) -> value


def _plain(node: Node) -> bool:
    """Nothing beyond the type (and a format) constrains the value: any filled value passes."""
    return (
        not node.enum
        and node.lower is None
        and node.upper is None
        and node.multiple_of is None
        and not node.min_length
        and node.max_length is None
        and node.pattern is None
        and node.all_of is None
        and node.any_of is None
        and node.one_of is None
        and node.not_ is None
        and node.if_ is None
        and node.ref is None
    )


class _Walker:
    """A generator per (schema node, property name, owner), compiled once per schema."""

    def __init__(self) -> None:
        self.compiled: dict[tuple[int, str, str], Gen] = {}

    def value(self, node: Node | None, name: str, owner: str = "") -> Gen:
        key = (id(node), name, owner)
        found = self.compiled.get(key)
        if found is not None:
            return found
        later: list[Gen] = []  # a recursive schema reaches this node again while compiling it
        self.compiled[key] = lambda draft, depth: later[0](draft, depth)
        gen = self._build(node, name, owner)
        later.append(gen)
        self.compiled[key] = gen
        return gen

    def _build(self, node: Node | None, name: str, owner: str) -> Gen:
        if node is None or node.boolean is True:
            return lambda draft, depth: {} if depth < MAX_DEPTH else None
        if node.enum:
            choices = list(node.enum)
            return lambda draft, depth: _pick(draft.rng, choices)
        kinds = (
            sorted(node.types)
            if node.types is not None
            else (["object"] if node.properties else ["string"])
        )
        if node.ref is not None and node.types is None:
            target = self.value(deref(node.ref), name)
            return lambda draft, depth: target(draft, depth + 1)
        if "object" in kinds:
            return self._object(node, name)
        gens = [self._scalar(node, kind, name, owner) for kind in kinds]
        if len(gens) == 1:
            return gens[0]
        return lambda draft, depth: _pick(draft.rng, gens)(draft, depth)

    def _scalar(self, node: Node, kind: str, name: str, owner: str) -> Gen:
        if kind == "array":
            return self._array(node, name)
        if kind == "string":
            return self._string(node, name, owner)
        if kind in ("integer", "number"):
            return self._integer(node, name)
        if kind == "boolean":
            return lambda draft, depth: draft.random() < 0.3
        return lambda draft, depth: None

    def sections(self, node: Node | None) -> tuple[Gen, dict[str, float]] | None:
        """For an object at the root: a generator that gives it every property, and how often
        each is in an event (more than 1: always). None for other roots."""
        if node is None or node.boolean is not None or node.enum:
            return None
        if node.ref is not None and node.types is None:
            return None
        if not ("object" in node.types if node.types is not None else bool(node.properties)):
            return None
        chances = {name: _chance(node, "", name) for name in node.properties}
        return self._object(node, "", every=True), chances

    def _object(self, node: Node, owner: str, every: bool = False) -> Gen:
        required = node.required
        optional: list[tuple[str, float, Gen]] = []
        for name, prop in node.properties.items():
            child = self.value(deref(prop), name, owner)
            optional.append((name, 2.0 if every else _chance(node, owner, name), child))
        missing = [
            (
                name,
                self.value(
                    deref(node.properties.get(name, node.additional_properties)), name, owner
                ),
            )
            for name in sorted(required - set(node.properties))
        ]
        shallow = [
            (name, self.value(deref(node.properties.get(name)), name, owner))
            for name in sorted(required)
        ]

        def gen(draft: _Draft, depth: int) -> dict[str, Any]:
            if depth >= MAX_DEPTH:
                return {name: value(draft, depth + 1) for name, value in shallow}
            out: dict[str, Any] = {}
            random = draft.random
            for name, chance, value in optional:
                if chance > 1.0 or random() < chance:
                    out[name] = value(draft, depth + 1)
            for name, value in missing:
                out[name] = value(draft, depth + 1)
            return out

        return gen

    def _array(self, node: Node, name: str) -> Gen:
        item = self.value(deref(node.items), name)
        least, most = node.min_items or 0, node.max_items
        if name in ("cap_effective", "cap_permitted"):
            return lambda draft, depth: sorted(draft.rng.sample(CAPABILITIES, _upto(draft, 6)))
        if name == "args":
            return lambda draft, depth: [
                draft.command,
                *(_pick(draft.rng, ARGUMENTS) for _ in range(_upto(draft, 5))),
            ]
        if name == "envs":
            return lambda draft, depth: draft.rng.sample(ENVS, 1 + _upto(draft, 5))
        if name == "flags":
            return lambda draft, depth: draft.rng.sample(OPEN_FLAGS, 1 + _upto(draft, 1))
        low, high = (2, 6) if name == "ancestors" else (0, 3)

        def gen(draft: _Draft, depth: int) -> list[Any]:
            count = max(low + _upto(draft, high - low), least)
            if most is not None:
                count = min(count, most)
            return [item(draft, depth + 1) for _ in range(count)]

        return gen

    def _string(self, node: Node, name: str, owner: str) -> Gen:
        plain = _plain(node)
        if node.format == "date-time" or name.endswith("_time") or name == "date":
            now = name == "date" and owner == ""  # the event's own time

            def moment(draft: _Draft, depth: int) -> Any:
                if now:
                    return _Hole(NOW) if plain else _fit(node, _time_text(0))
                draft.since += 1_000 * (1 + int(draft.random() * 500_000))
                return _Hole(TIME, draft.since) if plain else _fit(node, _time_text(-draft.since))

            return moment
        if name == "id" and owner == "usr":
            return lambda draft, depth: _fit(node, draft.user[1])
        if name == "id":
            if owner == "container" and plain:
                return lambda draft, depth: _Hole(CONTAINER)
            return lambda draft, depth: _fit(node, f"{draft.rng.getrandbits(256):064x}")
        text = _TEXT.get(name, _word)
        if name == "name":
            return lambda draft, depth: _fit(
                node, draft.event[0] if draft.random() < 0.5 else text(draft)
            )
        return lambda draft, depth: _fit(node, text(draft))

    def _integer(self, node: Node, name: str) -> Gen:
        plain = _plain(node)
        if name in ("pid", "tid"):

            def pid(draft: _Draft, depth: int) -> Any:
                draft.pid += 1 + int(draft.random() * 50)
                return _Hole(PID, draft.pid) if plain else _bound(node, 30_000 - draft.pid)

            return pid
        if name == "ppid":

            def ppid(draft: _Draft, depth: int) -> Any:
                below = draft.pid + 1 + int(draft.random() * 50)
                return _Hole(PID, below) if plain else _bound(node, 30_000 - below)

            return ppid
        if name in ("span_id", "trace_id") and plain:
            return lambda draft, depth: _Hole(TRACE)
        number = _NUMBERS.get(name, _between(0, 10_000))
        return lambda draft, depth: _bound(node, number(draft))


def _chance(node: Node, owner: str, name: str) -> float:
    """How often property `name` of `node` is present (more than 1: always, it is required)."""
    if name in node.required:
        return 2.0
    return PRESENCE.get(f"{owner}.{name}", PRESENCE.get(name, OPTIONAL))


def _upto(draft: _Draft, most: int) -> int:
    """0 to `most`, uniformly."""
    return int(draft.random() * (most + 1))


def _between(low: int, high: int) -> Callable[[_Draft], int]:
    """`low` to `high` included, uniformly."""
    size = high - low + 1
    return lambda draft: low + int(draft.random() * size)


def _word(draft: _Draft) -> str:
    rng = draft.rng
    return "".join(_pick(rng, _LETTERS) for _ in range(4 + _upto(draft, 8)))


_LETTERS = list(string.ascii_lowercase)


def _either(first: Callable[[_Draft], Any], second: Callable[[_Draft], Any]) -> Any:
    return lambda draft: first(draft) if draft.random() < 0.5 else second(draft)


def _one_of(items: list[Any]) -> Callable[[_Draft], Any]:
    return lambda draft: _pick(draft.rng, items)


_TEXT: dict[str, Callable[[_Draft], str]] = {
    "path": _either(
        lambda draft: BINARIES.get(draft.command, "/usr/bin/" + draft.command), _one_of(FILES)
    ),
    "name": _either(
        lambda draft: draft.command,
        lambda draft: _pick(draft.rng, FILES).rsplit("/", 1)[-1],
    ),
    "comm": lambda draft: draft.command,
    "filesystem": _one_of(FILESYSTEMS),
    "fstype": _one_of(FILESYSTEMS),
    **{
        name: (lambda draft: draft.user[1])
        for name in ("user", "euser", "fsuser", "group", "egroup", "fsgroup")
    },
    "tty": _one_of(["", "pts/0", "pts/1", "tty1"]),
    "category": lambda draft: draft.event[1],
    "outcome": _one_of(["Success", "Success", "Success", "Refused", "Error"]),
    "state": _one_of(["on", "off"]),
    "status": _one_of(["enforcing", "permissive", "disabled"]),
    "path_resolution_error": lambda draft: "path not found",
    "attribute_name": lambda draft: "user.mime_type",
    "attribute_namespace": lambda draft: "user",
}

_NUMBERS: dict[str, Callable[[_Draft], int]] = {
    **{
        name: (lambda draft: draft.user[0])
        for name in ("uid", "euid", "fsuid", "gid", "egid", "fsgid", "group_id")
    },
    "inode": _between(1_000, 50_000_000),
    "mode": _one_of([0o100644, 0o100755, 0o100600, 0o40755, 0o120777]),
    "mount_id": _between(20, 2_000),
    "new_mount_id": _between(20, 2_000),
    "device": _between(0, 300),
    "span_id": lambda draft: draft.rng.randint(1, 2**63 - 1),
    "trace_id": lambda draft: draft.rng.randint(1, 2**63 - 1),
}


def _fit(node: Node, value: str) -> str:
    if node.max_length is not None:
        value = value[: node.max_length]
    if node.min_length and len(value) < node.min_length:
        value = value + "x" * (node.min_length - len(value))
    return value


def _bound(node: Node, value: int) -> int:
    if node.lower is not None and value < node.lower.value:
        value = int(node.lower.value) + 1
    if node.upper is not None and value > node.upper.value:
        value = int(node.upper.value) - 1
    return value


# -- events ----------------------------------------------------------------------------------


def generate_lines(schema: LoadedSchema, count: int, seed: int = 0) -> Iterator[bytes]:
    """`count` events valid under `schema` as JSON text (no newline), the same for the same
    seed."""
    if count < 0:
        raise CompatError("the number of events must be 0 or more")
    from compat.schema.compiled import fast_validator

    validator = fast_validator(schema.source.document, schema.draft, False, schema.label)
    is_valid, dumps = validator.is_valid, orjson.dumps
    rng = random.Random(seed)
    random_, getrandbits = rng.random, rng.getrandbits
    walker = _Walker()
    node = deref(schema.document.root)
    sections = walker.sections(node)
    # the root's properties are drawn for each event (templates have them all), so that how
    # often each is there does not hang on the few templates of a small corpus
    root, chances = sections if sections is not None else (walker.value(node, ""), None)
    containers = [f"{getrandbits(256):064x}" for _ in range(CONTAINERS)]
    minutes: dict[int, str] = {}  # the text of recent minutes
    pool: list[_Template] = []
    made = 0  # templates made so far: the next one takes slot `made % POOL`
    for index in range(count):
        for _ in range(ATTEMPTS):
            if len(pool) < MIN_POOL or random_() * FRESH < 1.0:
                template = _Template(root(_Draft(rng), 0), int(random_() * MINUTE))
                slot = made % POOL
                if slot < len(pool):
                    pool[slot] = template
                else:
                    pool.append(template)
                made += 1
            else:
                slot = int(random_() * len(pool))
                template = pool[slot]
            # the event's time: 7 seconds after the previous event's, give or take
            now = (index * 7 + int(random_() * 7)) * 1_000_000 + int(random_() * 1_000_000)
            anchor = now // MINUTE - 1
            for where, key, minute, tail in template.times:
                minute += anchor
                head = minutes.get(minute)
                if head is None:
                    if len(minutes) >= 4096:
                        minutes.clear()
                    head = minutes[minute] = _minute_text(minute)
                where[key] = head + tail
            if template.pids:
                first_pid = 300 + int(random_() * 31_700) + template.deepest_pid
                for where, key, offset in template.pids:
                    where[key] = first_pid - offset
            if template.nows:
                minute, micros = divmod(now, MINUTE)
                head = minutes.get(minute)
                if head is None:
                    if len(minutes) >= 4096:
                        minutes.clear()
                    head = minutes[minute] = _minute_text(minute)
                second, fraction = divmod(micros, 1_000_000)
                text = f"{head}{second:02d}.{fraction:06d}Z"
                for where, key in template.nows:
                    where[key] = text
            if template.containers:
                container = containers[int(random_() * CONTAINERS)]
                for where, key in template.containers:
                    where[key] = container
            for where, key in template.traces:
                where[key] = getrandbits(63) or 1
            event = template.value
            if chances is not None:
                event = {}
                for name, value in template.value.items():
                    chance = chances.get(name, 2.0)
                    if chance > 1.0 or random_() < chance:
                        event[name] = value
            if is_valid(event):
                yield dumps(event)
                break
            # this template cannot make valid events: never use it again
            pool[slot] = pool[-1]
            pool.pop()
            made = len(pool)
        else:
            raise CompatError(
                f"{schema.label}: could not generate a valid event (the schema "
                "may be too restrictive for the generator)"
            )


def generate_events(schema: LoadedSchema, count: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """The events of `generate_lines`, each an object of its own."""
    for line in generate_lines(schema, count, seed):
        yield orjson.loads(line)
