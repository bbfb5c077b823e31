// VS Code glue: finds the runbook-ls binary, runs it as a language server for markdown files
// and keeps its settings in step with VS Code's. Decisions worth testing live in the pure
// modules `serverPath.ts` and `settings.ts`.

import * as os from 'node:os';
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    LanguageClient,
    type LanguageClientOptions,
    type ServerOptions,
} from 'vscode-languageclient/node';
import { resolveServerPath, SERVER_PATH_SETTING } from './serverPath';
import { configurationItem, isServerSettingChange, SECTION, serverSettingsFrom, type ServerSettings } from './settings';

const CLIENT_ID = 'runbook-ls';
const CLIENT_NAME = 'runbook-ls';

let client: LanguageClient | undefined;
let output: vscode.LogOutputChannel;
/** Serialises start/stop so a restart issued while starting cannot leave two servers running. */
let lifecycle: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    context.subscriptions.push(
        output,
        vscode.commands.registerCommand('runbook-ls.restartServer', () => restart(context)),
        vscode.commands.registerCommand('runbook-ls.showOutput', () => output.show(true)),
        vscode.workspace.onDidChangeConfiguration((event) => onConfigurationChanged(event, context)),
    );
    await enqueue(() => startClient(context));
}

export async function deactivate(): Promise<void> {
    await enqueue(stopClient);
}

function enqueue(step: () => Promise<void>): Promise<void> {
    lifecycle = lifecycle.then(step, step);
    return lifecycle;
}

function restart(context: vscode.ExtensionContext): Promise<void> {
    return enqueue(async () => {
        await stopClient();
        await startClient(context);
    });
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
    const workspaceFolder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const resolution = resolveServerPath({
        setting: vscode.workspace.getConfiguration(SECTION).get<string>('server.path'),
        extensionPath: context.extensionPath,
        platform: process.platform,
        env: process.env,
        workspaceFolder: workspaceFolder?.scheme === 'file' ? workspaceFolder.fsPath : undefined,
        homeDir: os.homedir(),
    });
    if (!resolution.ok) {
        output.error(resolution.message);
        if (resolution.tried.length > 0) {
            output.info(`Tried:\n  ${resolution.tried.join('\n  ')}`);
        }
        void showStartError(resolution.message);
        return;
    }
    output.info(`Starting ${resolution.path} (found via ${describeSource(resolution.source)})`);

    // No `transport`: vscode-languageclient would then append `--stdio`, and runbook-ls
    // speaks LSP over stdio when it gets no arguments at all.
    const serverOptions: ServerOptions = { command: resolution.path, args: [] };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [{ scheme: 'file', language: 'markdown' }],
        initializationOptions: () => serverSettings(workspaceFolder),
        outputChannel: output,
        middleware: {
            workspace: {
                // The default answer is VS Code's whole `runbook-ls` section, defaults and
                // client-only keys included; the server must see only what the user set.
                configuration: async (params, token, next) => {
                    const answers = await next(params, token);
                    if (!Array.isArray(answers)) {
                        return answers;
                    }
                    return params.items.map((item, index) => {
                        const scope = item.scopeUri === undefined ? workspaceFolder : vscode.Uri.parse(item.scopeUri);
                        const ours = configurationItem(item.section, serverSettings(scope));
                        return ours === undefined ? answers[index] : ours;
                    });
                },
            },
        },
    };

    const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    try {
        await newClient.start();
        client = newClient;
    } catch (error) {
        // vscode-languageclient has already shown its own notification for this failure.
        output.error(`runbook-ls failed to start from ${resolution.path}: ${String(error)}`);
    }
}

async function stopClient(): Promise<void> {
    const running = client;
    client = undefined;
    if (running === undefined) {
        return;
    }
    try {
        await running.stop(2000);
    } catch (error) {
        output.warn(`Stopping runbook-ls: ${String(error)}`);
    }
}

function onConfigurationChanged(event: vscode.ConfigurationChangeEvent, context: vscode.ExtensionContext): void {
    if (event.affectsConfiguration(SERVER_PATH_SETTING)) {
        output.info(`${SERVER_PATH_SETTING} changed; restarting the server`);
        void restart(context);
        return;
    }
    // Sent by hand instead of through `synchronize.configurationSection`, which would push
    // VS Code's defaults and the client-only `server`/`trace` keys as if the user set them.
    if (client !== undefined && isServerSettingChange((section) => event.affectsConfiguration(section))) {
        const settings = { [SECTION]: serverSettings(vscode.workspace.workspaceFolders?.[0]?.uri) };
        client.sendNotification(DidChangeConfigurationNotification.type, { settings }).catch((error: unknown) => {
            output.error(`Sending the changed settings to runbook-ls failed: ${String(error)}`);
        });
    }
}

function serverSettings(scope: vscode.Uri | undefined): ServerSettings {
    const configuration = vscode.workspace.getConfiguration(SECTION, scope);
    return serverSettingsFrom((key) => configuration.inspect(key));
}

async function showStartError(message: string): Promise<void> {
    const openSettings = 'Open Settings';
    const showOutput = 'Show Output';
    const choice = await vscode.window.showErrorMessage(message, openSettings, showOutput);
    if (choice === openSettings) {
        await vscode.commands.executeCommand('workbench.action.openSettings', SERVER_PATH_SETTING);
    } else if (choice === showOutput) {
        output.show(true);
    }
}

function describeSource(source: 'setting' | 'bundled' | 'path'): string {
    switch (source) {
        case 'setting':
            return SERVER_PATH_SETTING;
        case 'bundled':
            return 'the binary bundled with the extension';
        case 'path':
            return 'PATH';
    }
}
