#!/usr/bin/env python3
"""Open N idle, authenticated PostgreSQL connections (startup + md5 or trust), then hold them.

    idle_clients.py HOST PORT USER PASSWORD DATABASE N READY_FILE RELEASE_FILE

Writes "<connected> <failed> <first error>" to READY_FILE once every connection has finished its
handshake (ReadyForQuery or an error), waits until RELEASE_FILE exists, then closes them all.
Hand-written protocol (no driver needed): StartupMessage, AuthenticationMD5Password, ReadyForQuery.
"""
import asyncio
import hashlib
import os
import struct
import sys

HOST, PORT, USER, PASSWORD, DB = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
N = int(sys.argv[6])
READY, RELEASE = sys.argv[7], sys.argv[8]
CONCURRENT_HANDSHAKES = 100


async def read_msg(reader):
    head = await reader.readexactly(5)
    kind, length = head[:1], struct.unpack("!I", head[1:])[0]
    return kind, await reader.readexactly(length - 4)


async def connect(sem):
    async with sem:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, PORT), 30)
        params = b"user\0" + USER.encode() + b"\0database\0" + DB.encode() + b"\0\0"
        writer.write(struct.pack("!II", 8 + len(params), 196608) + params)
        while True:
            kind, body = await asyncio.wait_for(read_msg(reader), 30)
            if kind == b"R":
                code = struct.unpack("!I", body[:4])[0]
                if code == 5:
                    inner = hashlib.md5((PASSWORD + USER).encode()).hexdigest()
                    digest = "md5" + hashlib.md5(inner.encode() + body[4:8]).hexdigest()
                    payload = digest.encode() + b"\0"
                    writer.write(b"p" + struct.pack("!I", 4 + len(payload)) + payload)
                elif code == 3:
                    payload = PASSWORD.encode() + b"\0"
                    writer.write(b"p" + struct.pack("!I", 4 + len(payload)) + payload)
                elif code != 0:
                    raise RuntimeError(f"unsupported auth request {code}")
            elif kind == b"E":
                fields = dict((f[:1], f[1:].decode(errors="replace")) for f in body.split(b"\0") if f)
                raise RuntimeError(f"{fields.get(b'C', '?')}: {fields.get(b'M', '?')}")
            elif kind == b"Z":
                return reader, writer


async def main():
    sem = asyncio.Semaphore(CONCURRENT_HANDSHAKES)
    results = await asyncio.gather(*(connect(sem) for _ in range(N)), return_exceptions=True)
    ok = [r for r in results if not isinstance(r, BaseException)]
    errors = [r for r in results if isinstance(r, BaseException)]
    first = (type(errors[0]).__name__ + ": " + str(errors[0])).replace("\n", " ") if errors else "-"
    with open(READY + ".tmp", "w") as f:
        f.write(f"{len(ok)} {len(errors)} {first}\n")
    os.rename(READY + ".tmp", READY)
    while not os.path.exists(RELEASE):
        await asyncio.sleep(0.2)
    for _, writer in ok:
        try:
            writer.write(b"X\0\0\0\4")
            writer.close()
        except Exception:
            pass
    await asyncio.sleep(0.5)


asyncio.run(main())
