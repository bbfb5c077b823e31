// Which VS Code platforms (`vsce package --target`) a server binary can run on, read from its
// executable header, so that a per-platform .vsix cannot ship a binary built for another one.

/** The targets of `vsce package --target` that run a native binary, with the Rust target to build for each. */
export const RUST_TARGETS: Readonly<Record<string, string>> = {
    'linux-x64': 'x86_64-unknown-linux-gnu',
    'linux-arm64': 'aarch64-unknown-linux-gnu',
    'linux-armhf': 'armv7-unknown-linux-gnueabihf',
    'alpine-x64': 'x86_64-unknown-linux-musl',
    'alpine-arm64': 'aarch64-unknown-linux-musl',
    'darwin-x64': 'x86_64-apple-darwin',
    'darwin-arm64': 'aarch64-apple-darwin',
    'win32-x64': 'x86_64-pc-windows-msvc',
    'win32-arm64': 'aarch64-pc-windows-msvc',
};

/** What an executable header says, or why it is not one. */
export type BinaryKind =
    | { ok: true; format: 'elf' | 'mach-o' | 'pe'; archs: string[]; libc?: 'glibc' | 'musl' | 'static' }
    | { ok: false; why: string };

/** How many leading bytes `readBinaryKind` needs: headers and the ELF interpreter path. */
export const HEADER_BYTES = 64 * 1024;

const ELF_MACHINES: Record<number, string> = { 0x3e: 'x64', 0xb7: 'arm64', 0x28: 'armhf' };
const MACH_O_CPUS: Record<number, string> = { 0x01000007: 'x64', 0x0100000c: 'arm64' };
const PE_MACHINES: Record<number, string> = { 0x8664: 'x64', 0xaa64: 'arm64' };

/** Reads the format, architectures and (for ELF) C library of the executable whose first bytes are `bytes`. */
export function readBinaryKind(bytes: Uint8Array): BinaryKind {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const has = (end: number) => end <= bytes.byteLength;
    if (has(20) && view.getUint32(0) === 0x7f454c46) {
        return readElf(view, has);
    }
    if (has(8) && view.getUint32(0, true) === 0xfeedfacf) {
        const arch = MACH_O_CPUS[view.getUint32(4, true)];
        return arch === undefined ? { ok: false, why: 'a Mach-O binary for an unknown CPU' } : { ok: true, format: 'mach-o', archs: [arch] };
    }
    if (has(8) && view.getUint32(0) === 0xcafebabe) {
        // A universal (fat) Mach-O binary: big-endian list of (cputype, ..., 20 bytes each).
        const count = view.getUint32(4);
        const archs: string[] = [];
        for (let index = 0; index < count && has(8 + 20 * (index + 1)); index++) {
            const arch = MACH_O_CPUS[view.getUint32(8 + 20 * index)];
            if (arch !== undefined) {
                archs.push(arch);
            }
        }
        return { ok: true, format: 'mach-o', archs };
    }
    if (has(0x40) && bytes[0] === 0x4d && bytes[1] === 0x5a) {
        const header = view.getUint32(0x3c, true);
        if (!has(header + 6) || view.getUint32(header) !== 0x50450000) {
            return { ok: false, why: 'an MZ file without a PE header' };
        }
        const arch = PE_MACHINES[view.getUint16(header + 4, true)];
        return arch === undefined ? { ok: false, why: 'a PE binary for an unknown machine' } : { ok: true, format: 'pe', archs: [arch] };
    }
    return { ok: false, why: 'not an ELF, Mach-O or PE executable' };
}

function readElf(view: DataView, has: (end: number) => boolean): BinaryKind {
    const is64 = view.getUint8(4) === 2;
    const little = view.getUint8(5) === 1;
    const arch = ELF_MACHINES[view.getUint16(18, little)];
    if (arch === undefined) {
        return { ok: false, why: 'an ELF binary for an unknown machine' };
    }
    // The program interpreter names the C library a dynamically linked binary needs.
    const word = (offset: number) => (is64 ? Number(view.getBigUint64(offset, little)) : view.getUint32(offset, little));
    const headerEnd = is64 ? 58 : 46;
    if (!has(headerEnd)) {
        return { ok: false, why: 'a truncated ELF header' };
    }
    const tableOffset = word(is64 ? 32 : 28);
    const entrySize = view.getUint16(is64 ? 54 : 42, little);
    const count = view.getUint16(is64 ? 56 : 44, little);
    let libc: 'glibc' | 'musl' | 'static' = 'static';
    for (let index = 0; index < count; index++) {
        const entry = tableOffset + index * entrySize;
        if (!has(entry + entrySize) || view.getUint32(entry, little) !== 3 /* PT_INTERP */) {
            continue;
        }
        const offset = word(entry + (is64 ? 8 : 4));
        const size = word(entry + (is64 ? 32 : 16));
        if (!has(offset + size)) {
            return { ok: false, why: 'an ELF interpreter path past the bytes read' };
        }
        const interpreter = new TextDecoder().decode(new Uint8Array(view.buffer, view.byteOffset + offset, size));
        libc = interpreter.includes('musl') ? 'musl' : 'glibc';
    }
    return { ok: true, format: 'elf', archs: [arch], libc };
}

/** Why a binary of `kind` cannot run on `target`, or undefined when it can. */
export function targetMismatch(kind: BinaryKind, target: string): string | undefined {
    if (!kind.ok) {
        return `it is ${kind.why}`;
    }
    const [platform, arch] = target.split('-');
    const format = platform === 'win32' ? 'pe' : platform === 'darwin' ? 'mach-o' : 'elf';
    const described = `${kind.format === 'mach-o' ? 'a Mach-O' : kind.format === 'pe' ? 'a PE (Windows)' : 'an ELF'} binary for ${kind.archs.join(' and ') || 'no known CPU'}${kind.libc === undefined ? '' : ` (${kind.libc === 'static' ? 'statically linked' : kind.libc})`}`;
    if (kind.format !== format || arch === undefined || !kind.archs.includes(arch)) {
        return `it is ${described}`;
    }
    if (platform === 'alpine' && kind.libc === 'glibc') {
        return `it is ${described}, and Alpine has musl`;
    }
    if (platform === 'linux' && kind.libc === 'musl') {
        return `it is ${described}, and ${target} has glibc`;
    }
    return undefined;
}
