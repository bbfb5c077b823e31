// Builds the .vsix. Without arguments: the platform-neutral package, which runs the server from
// `runbook-ls.server.path` or PATH. With `--target T --server BINARY`: the package for one
// platform, with BINARY inside at `server/runbook-ls[.exe]`, where the extension looks first.
//
//   npm run package
//   npm run package -- --target linux-x64 --server ../../target/release/runbook-ls

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HEADER_BYTES, readBinaryKind, RUST_TARGETS, targetMismatch } from './binaryTarget';

function fail(message: string): never {
    console.error(`package: ${message}`);
    process.exit(1);
}

function parseArgs(argv: string[]): { target?: string; server?: string; out?: string } {
    const options: { target?: string; server?: string; out?: string } = {};
    for (let index = 0; index < argv.length; index++) {
        const name = argv[index];
        const value = argv[index + 1];
        if ((name === '--target' || name === '--server' || name === '--out') && value !== undefined) {
            options[name.slice(2) as 'target' | 'server' | 'out'] = value;
            index++;
        } else {
            fail(`unknown argument "${name}"; usage: npm run package -- [--target TARGET --server BINARY] [--out FILE]`);
        }
    }
    return options;
}

function vsce(args: string[]): void {
    const bin = path.join('node_modules', '.bin', process.platform === 'win32' ? 'vsce.cmd' : 'vsce');
    const result = spawnSync(bin, ['package', '--no-dependencies', ...args], { stdio: 'inherit', shell: process.platform === 'win32' });
    if (result.status !== 0) {
        fail(`vsce package ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
    }
}

function main(): void {
    const options = parseArgs(process.argv.slice(2));
    const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version;
    const serverDir = 'server';
    if (options.target === undefined) {
        if (options.server !== undefined) {
            fail('--server needs --target: a binary runs on one platform, so it goes into that platform\'s package');
        }
        // A binary left in server/ would end up in a package that claims to run everywhere.
        if (fs.existsSync(serverDir)) {
            fail(`${serverDir}/ exists: remove it, or package it for its platform with --target`);
        }
        vsce(options.out === undefined ? [] : ['--out', options.out]);
        return;
    }

    const target = options.target;
    if (RUST_TARGETS[target] === undefined) {
        fail(`unknown target "${target}"; one of ${Object.keys(RUST_TARGETS).join(', ')}`);
    }
    if (options.server === undefined) {
        fail(`--target ${target} needs --server BINARY, the runbook-ls built for ${RUST_TARGETS[target]}`);
    }
    let header: Uint8Array;
    try {
        const file = fs.openSync(options.server, 'r');
        header = new Uint8Array(HEADER_BYTES);
        const length = fs.readSync(file, header, 0, HEADER_BYTES, 0);
        fs.closeSync(file);
        header = header.subarray(0, length);
    } catch (error) {
        fail(`cannot read the server binary ${options.server}: ${String(error)}`);
    }
    const mismatch = targetMismatch(readBinaryKind(header), target);
    if (mismatch !== undefined) {
        fail(`${options.server} cannot run on ${target}: ${mismatch}; build it with \`cargo build --release --target ${RUST_TARGETS[target]}\``);
    }

    const name = target.startsWith('win32-') ? 'runbook-ls.exe' : 'runbook-ls';
    const out = options.out ?? `runbook-ls-${target}-${version}.vsix`;
    fs.rmSync(serverDir, { recursive: true, force: true });
    fs.mkdirSync(serverDir);
    try {
        fs.copyFileSync(options.server, path.join(serverDir, name));
        fs.chmodSync(path.join(serverDir, name), 0o755);
        vsce(['--target', target, '--out', out]);
    } finally {
        fs.rmSync(serverDir, { recursive: true, force: true });
    }
    console.log(`package: ${out} holds ${options.server} as server/${name}`);
}

main();
