// Bundles the extension into dist/extension.js (vscode-languageclient included, so the .vsix
// ships no node_modules) and copies the JSON Schemas from editors/schemas/ (their one source,
// shared with other editors) into schemas/ for `contributes.jsonValidation`.
// With --tests: the unit tests into out/test/ for `node --test`.
// With --tools: the packaging script into out/tools/ (`npm run package`).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const production = args.has('--production');

/** Options shared by the bundles that run under plain Node. */
const nodeScript = {
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'warning',
};

function copySchemas() {
    rmSync('schemas', { recursive: true, force: true });
    mkdirSync('schemas');
    for (const name of readdirSync('../schemas').filter((name) => name.endsWith('.schema.json'))) {
        copyFileSync(`../schemas/${name}`, `schemas/${name}`);
    }
}

if (args.has('--tests')) {
    const tests = readdirSync('test').filter((name) => name.endsWith('.test.ts')).map((name) => `test/${name}`);
    await esbuild.build({
        ...nodeScript,
        entryPoints: tests,
        outdir: 'out/test',
        sourcemap: 'inline',
        // The tests exercise the pure modules; pulling in `vscode` would fail outside VS Code.
        external: ['vscode'],
    });
} else if (args.has('--tools')) {
    await esbuild.build({ ...nodeScript, entryPoints: ['scripts/package.ts'], outfile: 'out/tools/package.js' });
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
    copySchemas();
    if (args.has('--watch')) {
        const context = await esbuild.context(options);
        await context.watch();
    } else {
        await esbuild.build(options);
    }
}
