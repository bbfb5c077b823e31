// Bundles the extension into dist/extension.js (vscode-languageclient included, so the .vsix
// ships no node_modules) and, with --tests, the unit tests into out/test/ for `node --test`.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

if (args.has('--tests')) {
    const tests = readdirSync('test').filter((name) => name.endsWith('.test.ts')).map((name) => `test/${name}`);
    await esbuild.build({
        entryPoints: tests,
        outdir: 'out/test',
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node18',
        sourcemap: 'inline',
        // The tests exercise the pure modules; pulling in `vscode` would fail outside VS Code.
        external: ['vscode'],
        logLevel: 'warning',
    });
} else {
    const options = {
        entryPoints: ['src/extension.ts'],
        outfile: 'dist/extension.js',
        bundle: true,
        platform: 'node',
        format: 'cjs',
        target: 'node18',
        external: ['vscode'],
        minify: production,
        sourcemap: !production,
        logLevel: 'info',
    };
    // A stale source map from a development build must not end up in the .vsix.
    rmSync('dist', { recursive: true, force: true });
    if (args.has('--watch')) {
        const context = await esbuild.context(options);
        await context.watch();
    } else {
        await esbuild.build(options);
    }
}
