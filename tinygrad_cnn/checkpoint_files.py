"""The file side of ``tc.save`` / ``tc.load``: atomic writes, stale temporaries, and a zip reader that trusts nothing.

A checkpoint is a zip archive whose members are *stored* (never compressed), so each member's bytes lie
in the file as they are: the reader finds them from the zip directory, checks every declared size
against the file's real length, and reads each ``.npy`` member straight into a freshly allocated array
of exactly the size its header declares, checking the CRC on the way. Memory use is about the file's
size; a crafted file cannot make it allocate more, because member ranges may not overlap and a member
must hold exactly the bytes its header declares.

Saves to a path write a hidden temporary file in the same folder, ``fsync`` it, and ``os.replace`` it
onto the path. The temporary's name carries the target's hash, the host and the process id, so the next
save to the same path removes temporaries left by saves that were killed (their process is gone) and
never touches one that a live process is still writing.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import socket
import struct
import zipfile
import zlib
from collections.abc import Callable
from typing import IO, Any

import numpy as np

__all__ = ["CheckpointError", "atomic_write", "clear_stale_temporaries", "MemberReader", "write_members"]

#: dtype kinds a member may hold: bool, signed/unsigned int, float, complex, bytes, str
_ARRAY_KINDS = "biufcSU"
_CHUNK = 1 << 24  # bytes per read into an array
_MAX_HEADER = 1 << 16  # bytes of a .npy header (NumPy writes 128 or so; it refuses over 10,000 by default)


class CheckpointError(RuntimeError):
    """A file that is damaged, hostile or not a checkpoint (``RuntimeError``, as ``torch.load`` raises)."""


# --------------------------------------------------------------------------- writing


def write_members(fh: IO[bytes], manifest: bytes, arrays: list[np.ndarray]) -> None:
    """Write ``manifest.json`` and the arrays as stored ``0.npy``, ``1.npy``, ... members of a zip into ``fh``."""
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr("manifest.json", manifest)
        for i, arr in enumerate(arrays):
            with zf.open(f"{i}.npy", "w", force_zip64=True) as member:
                np.lib.format.write_array(member, arr, allow_pickle=False)


def _tag(path: str) -> str:
    """The part of a temporary's name that ties it to its target (a hash: any target name fits)."""
    return hashlib.sha256(os.path.basename(path).encode("utf-8", "surrogatepass")).hexdigest()[:16]


def _host() -> str:
    return hashlib.sha256(socket.gethostname().encode("utf-8", "surrogatepass")).hexdigest()[:8]


def _temporary_pattern(path: str) -> re.Pattern[str]:
    return re.compile(rf"\.tmp-{_tag(path)}-{_host()}-(\d+)-[0-9a-f]+\.part")


def _pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (a killed process its parent has not reaped yet)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (OverflowError, ValueError):
        return False
    except OSError:  # PermissionError: someone else's live process
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3] != b"Z"
    except (OSError, ValueError):
        return True


def clear_stale_temporaries(path: str) -> list[str]:
    """Remove the temporaries of earlier saves to ``path`` whose process has died; return their names."""
    folder = os.path.dirname(os.path.abspath(path))
    pattern = _temporary_pattern(path)
    removed = []
    for name in os.listdir(folder):
        m = pattern.fullmatch(name)
        if m is None or int(m.group(1)) == os.getpid() or _pid_alive(int(m.group(1))):
            continue
        try:
            os.unlink(os.path.join(folder, name))
            removed.append(name)
        except FileNotFoundError:  # another save cleared it first
            pass
    return removed


def atomic_write(path: str, write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write`` on a fresh temporary next to ``path``, fsync it and move it onto ``path``.

    An exception (or Ctrl-C) removes the temporary and leaves any earlier file at ``path`` as it was.
    """
    if os.path.islink(path):
        path = os.path.realpath(path)  # write through a link, as opening the path would
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: the folder {folder!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a folder, not a file")
    clear_stale_temporaries(path)
    tmp = os.path.join(folder, f".tmp-{_tag(path)}-{_host()}-{os.getpid()}-{secrets.token_hex(4)}.part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


# --------------------------------------------------------------------------- reading


class MemberReader:
    """Stored members of a zip file, each checked against the file's real length before anything is read."""

    def __init__(self, fh: IO[bytes], name: str) -> None:
        self.fh, self.name = fh, name
        fh.seek(0, io.SEEK_END)
        self.length = fh.tell()
        fh.seek(0)
        try:
            zf = zipfile.ZipFile(fh)
            infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, struct.error,
                UnicodeDecodeError, NotImplementedError, IndexError) as exc:
            raise self.error(f"not a zip archive ({type(exc).__name__}: {exc})") from None
        self.members: dict[str, tuple[int, int, int]] = {}  # name -> (data start, size, crc)
        spans = []
        for info in infos:
            if info.filename in self.members:
                raise self.error(f"the member {info.filename!r} appears twice")
            if info.flag_bits & 0x1:
                raise self.error(f"the member {info.filename!r} is encrypted")
            if info.compress_type != zipfile.ZIP_STORED:
                raise self.error(
                    f"the member {info.filename!r} is compressed (method {info.compress_type}); checkpoints "
                    "store their members uncompressed"
                )
            if info.file_size != info.compress_size:
                raise self.error(f"the member {info.filename!r} declares {info.file_size} bytes but stores "
                                 f"{info.compress_size}")
            start = self._data_start(info)
            if start + info.file_size > self.length:
                raise self.error(f"the member {info.filename!r} runs past the end of the file "
                                 f"({start + info.file_size} > {self.length} bytes)")
            self.members[info.filename] = (start, info.file_size, info.CRC)
            spans.append((info.header_offset, start + info.file_size, info.filename))
        spans.sort()
        for (_, end, a), (begin, _, b) in zip(spans, spans[1:]):
            if begin < end:
                raise self.error(f"the members {a!r} and {b!r} overlap")

    def error(self, what: str) -> CheckpointError:
        """The error for a damaged or hostile file, naming it."""
        return CheckpointError(f"load: {self.name} is damaged or not a tinygrad_cnn checkpoint: {what}")

    def _data_start(self, info: zipfile.ZipInfo) -> int:
        if info.header_offset < 0 or info.header_offset + 30 > self.length:
            raise self.error(f"the member {info.filename!r} starts outside the file")
        self.fh.seek(info.header_offset)
        head = self.fh.read(30)
        if len(head) != 30 or head[:4] != b"PK\x03\x04":
            raise self.error(f"the member {info.filename!r} has no local header")
        name_len, extra_len = struct.unpack("<HH", head[26:30])
        name = self.fh.read(name_len)
        if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437", "replace") != info.orig_filename:
            raise self.error(f"the member {info.filename!r} has a different name in its local header")
        return info.header_offset + 30 + name_len + extra_len

    def read_bytes(self, member: str) -> bytes:
        """The whole member (for the small manifest), CRC-checked."""
        start, size, crc = self.members[member]
        self.fh.seek(start)
        data = b""
        while len(data) < size:
            chunk = self.fh.read(size - len(data))
            if not chunk:
                break
            data += chunk
        if len(data) != size:
            raise self.error(f"the member {member!r} is truncated")
        if zlib.crc32(data) != crc:
            raise self.error(f"the member {member!r} fails its CRC check")
        return data

    def read_array(self, member: str, mmap_path: str | None = None) -> np.ndarray:
        """A ``.npy`` member as an array allocated at the size its header declares, once that matches the member.

        With ``mmap_path`` the array maps the file copy-on-write instead (no CRC check: nothing is read yet).
        """
        start, size, crc = self.members[member]
        fh = self.fh
        fh.seek(start)
        prefix = fh.read(min(size, 12))
        if len(prefix) < 10 or prefix[:6] != b"\x93NUMPY" or prefix[6] not in (1, 2, 3):
            raise self.error(f"the member {member!r} is not a .npy array (magic {prefix[:8]!r})")
        if prefix[6] == 1:
            header = 10 + struct.unpack("<H", prefix[8:10])[0]
        elif len(prefix) == 12:
            header = 12 + struct.unpack("<I", prefix[8:12])[0]
        else:
            header = size + 1
        if header > min(size, _MAX_HEADER):
            raise self.error(f"the member {member!r} declares a {header}-byte .npy header in a {size}-byte member")
        fh.seek(start)
        head = fh.read(header)  # bounded by the checks above: numpy parses it from memory
        try:
            buf = io.BytesIO(head)
            major, _minor = np.lib.format.read_magic(buf)
            read_header = np.lib.format.read_array_header_1_0 if major == 1 else np.lib.format.read_array_header_2_0
            shape, fortran, dtype = read_header(buf, max_header_size=_MAX_HEADER)
        except Exception as exc:  # noqa: BLE001 - NumPy's header parser raises whatever its tokenizer does
            raise self.error(f"the member {member!r} has a bad .npy header ({type(exc).__name__}: {exc})") from None
        if dtype.hasobject or dtype.fields is not None or dtype.kind not in _ARRAY_KINDS or dtype.itemsize == 0:
            raise self.error(f"the member {member!r} holds dtype {dtype}; checkpoints hold numbers and strings only")
        if buf.tell() != header or any(n < 0 for n in shape):
            raise self.error(f"the member {member!r} has a bad .npy header (shape {shape}, {header} header bytes "
                             f"in a {size}-byte member)")
        nbytes = dtype.itemsize
        for n in shape:
            nbytes *= n
        if size - header != nbytes:
            raise self.error(
                f"the member {member!r} declares an array of shape {shape} and dtype {dtype} ({nbytes} bytes) "
                f"but holds {size - header} bytes"
            )
        order = "F" if fortran else "C"
        if mmap_path is not None and nbytes > 0:
            arr = np.memmap(mmap_path, dtype=dtype, mode="c", offset=start + header, shape=shape, order=order)
            return arr.view(np.ndarray)
        arr = np.empty(shape, dtype=dtype, order=order)
        flat = arr.reshape(-1, order="A").view(np.uint8)  # a view: the array's own bytes
        fh.seek(start + header)
        value = zlib.crc32(head)
        done = 0
        while done < nbytes:
            chunk = flat[done : done + _CHUNK]
            got = fh.readinto(chunk)
            if not got:
                raise self.error(f"the member {member!r} is truncated")
            value = zlib.crc32(chunk[:got], value)
            done += got
        if value != crc:
            raise self.error(f"the member {member!r} fails its CRC check")
        return arr


def open_for_reading(f: Any) -> tuple[IO[bytes], str, bool]:
    """(a seekable binary file, a name for messages, whether we opened it and must close it)."""
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(os.fspath(f))
        if not os.path.exists(path):
            raise FileNotFoundError(f"load: no such file: {path!r}")
        return open(path, "rb", buffering=0), repr(path), True  # unbuffered: member reads go straight into arrays
    if not hasattr(f, "read") or isinstance(f, io.TextIOBase):
        raise TypeError(f"load: expected a path or a file object opened in binary mode, got {type(f).__name__}")
    name = repr(getattr(f, "name", "the file object"))
    seekable = getattr(f, "seekable", None)
    if seekable is None or not seekable():
        data = f.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"load: the file object must be opened in binary mode, got {type(data).__name__} data")
        return io.BytesIO(data), name, True
    return f, name, False
