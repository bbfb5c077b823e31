// The per-platform package refuses a server binary built for another platform.

import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { readBinaryKind, RUST_TARGETS, targetMismatch } from '../scripts/binaryTarget';

/** A minimal 64-bit little-endian ELF header for `machine`, with a PT_INTERP of `interpreter` if given. */
function elf64(machine: number, interpreter?: string): Uint8Array {
    const bytes = new Uint8Array(512);
    const view = new DataView(bytes.buffer);
    bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    view.setUint16(18, machine, true);
    view.setBigUint64(32, 64n, true); // program headers right after the ELF header
    view.setUint16(54, 56, true);
    view.setUint16(56, interpreter === undefined ? 0 : 1, true);
    if (interpreter !== undefined) {
        const text = new TextEncoder().encode(`${interpreter}\0`);
        view.setUint32(64, 3, true);
        view.setBigUint64(64 + 8, 200n, true);
        view.setBigUint64(64 + 32, BigInt(text.length), true);
        bytes.set(text, 200);
    }
    return bytes;
}

function machO(cpu: number): Uint8Array {
    const view = new DataView(new ArrayBuffer(32));
    view.setUint32(0, 0xfeedfacf, true);
    view.setUint32(4, cpu, true);
    return new Uint8Array(view.buffer);
}

function pe(machine: number): Uint8Array {
    const bytes = new Uint8Array(0x100);
    const view = new DataView(bytes.buffer);
    bytes.set([0x4d, 0x5a]);
    view.setUint32(0x3c, 0x80, true);
    view.setUint32(0x80, 0x50450000);
    view.setUint16(0x84, machine, true);
    return bytes;
}

describe('readBinaryKind and targetMismatch', () => {
    it('accepts a glibc x86-64 ELF for linux-x64 only', () => {
        const kind = readBinaryKind(elf64(0x3e, '/lib64/ld-linux-x86-64.so.2'));
        assert.deepEqual(kind, { ok: true, format: 'elf', archs: ['x64'], libc: 'glibc' });
        assert.equal(targetMismatch(kind, 'linux-x64'), undefined);
        assert.equal(targetMismatch(kind, 'linux-arm64'), 'it is an ELF binary for x64 (glibc)');
        assert.equal(targetMismatch(kind, 'alpine-x64'), 'it is an ELF binary for x64 (glibc), and Alpine has musl');
        assert.equal(targetMismatch(kind, 'darwin-x64'), 'it is an ELF binary for x64 (glibc)');
    });

    it('tells musl from glibc, and lets a static binary run on both', () => {
        const musl = readBinaryKind(elf64(0xb7, '/lib/ld-musl-aarch64.so.1'));
        assert.equal(targetMismatch(musl, 'alpine-arm64'), undefined);
        assert.equal(targetMismatch(musl, 'linux-arm64'), 'it is an ELF binary for arm64 (musl), and linux-arm64 has glibc');
        const fixed = readBinaryKind(elf64(0x3e));
        assert.equal(targetMismatch(fixed, 'linux-x64'), undefined);
        assert.equal(targetMismatch(fixed, 'alpine-x64'), undefined);
    });

    it('reads Mach-O and PE binaries', () => {
        assert.equal(targetMismatch(readBinaryKind(machO(0x0100000c)), 'darwin-arm64'), undefined);
        assert.equal(targetMismatch(readBinaryKind(machO(0x0100000c)), 'darwin-x64'), 'it is a Mach-O binary for arm64');
        assert.equal(targetMismatch(readBinaryKind(pe(0x8664)), 'win32-x64'), undefined);
        assert.equal(targetMismatch(readBinaryKind(pe(0x8664)), 'linux-x64'), 'it is a PE (Windows) binary for x64');
    });

    it('refuses what is not an executable', () => {
        assert.equal(targetMismatch(readBinaryKind(new TextEncoder().encode('#!/bin/sh\nexit 0\n')), 'linux-x64'), 'it is not an ELF, Mach-O or PE executable');
    });

    it('names a Rust target for every platform', () => {
        for (const [target, triple] of Object.entries(RUST_TARGETS)) {
            const [platform] = target.split('-');
            assert.ok(triple.includes(platform === 'win32' ? 'windows' : platform === 'alpine' ? 'musl' : platform === 'darwin' ? 'apple' : 'linux-gnu'), target);
        }
    });
});
