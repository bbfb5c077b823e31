// VS Code glue: finds the runbook-ls binary, runs it as one language server for the markdown files
// of every workspace folder, keeps its settings in step with VS Code's per folder, and shows its
// state in the status bar. Decisions worth testing live in the pure modules `serverPath.ts`,
// `settings.ts` and `status.ts`.

import * as os from 'node:os';
import * as vscode from 'vscode';
import {
    DidChangeConfigurationNotification,
    LanguageClient,
    type LanguageClientOptions,
    type ServerOptions,
    State,
} from 'vscode-languageclient/node';
import { chooseServerPathSetting, type Resolution, resolveServerPath, SERVER_PATH_SETTING, type WorkspaceFolderPath } from './serverPath';
import { configurationItem, isServerSettingChange, SECTION, serverSettingsFrom, type ServerSettings } from './settings';
import { ServerStatus } from './status';

const CLIENT_ID = 'runbook-ls';
const CLIENT_NAME = 'runbook-ls';

let client: LanguageClient | undefined;
/** The binary the running client was started from, to notice when a folder change moves it. */
let clientPath: string | undefined;
let output: vscode.LogOutputChannel;
let status: ServerStatus;
let statusItem: vscode.StatusBarItem;
/** Serialises start/stop so a restart issued while starting cannot leave two servers running. */
let lifecycle: Promise<void> = Promise.resolve();

export async function activate(context: vscode.ExtensionContext): Promise<void> {
    output = vscode.window.createOutputChannel(CLIENT_NAME, { log: true });
    status = new ServerStatus();
    statusItem = vscode.window.createStatusBarItem('status', vscode.StatusBarAlignment.Left);
    statusItem.name = CLIENT_NAME;
    statusItem.command = 'runbook-ls.showOutput';
    context.subscriptions.push(
        output,
        statusItem,
        vscode.commands.registerCommand('runbook-ls.restartServer', () => restart(context)),
        vscode.commands.registerCommand('runbook-ls.showOutput', () => output.show(true)),
        vscode.workspace.onDidChangeConfiguration((event) => onConfigurationChanged(event, context)),
        vscode.workspace.onDidChangeWorkspaceFolders(() => onWorkspaceFoldersChanged(context)),
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

function renderStatus(): void {
    const view = status.view();
    statusItem.text = view.text;
    statusItem.tooltip = view.tooltip;
    statusItem.accessibilityInformation = { label: view.accessibilityLabel };
    statusItem.backgroundColor = view.alert === undefined ? undefined : new vscode.ThemeColor(`statusBarItem.${view.alert}Background`);
    statusItem.show();
}

/** The workspace folders on disk, in order; other schemes (virtual folders) have no path to run from. */
function fileFolders(): { uri: vscode.Uri; path: WorkspaceFolderPath }[] {
    return (vscode.workspace.workspaceFolders ?? [])
        .filter((folder) => folder.uri.scheme === 'file')
        .map((folder) => ({ uri: folder.uri, path: { name: folder.name, path: folder.uri.fsPath } }));
}

function resolveServer(context: vscode.ExtensionContext): Resolution {
    const folders = fileFolders();
    const choice = chooseServerPathSetting(
        vscode.workspace.getConfiguration(SECTION).get<string>('server.path'),
        folders.map(({ uri, path }) => {
            const configuration = vscode.workspace.getConfiguration(SECTION, uri);
            return {
                folder: path,
                effective: configuration.get<string>('server.path'),
                folderValue: configuration.inspect<string>('server.path')?.workspaceFolderValue,
            };
        }),
    );
    return resolveServerPath({
        setting: choice.setting,
        settingFolder: choice.settingFolder,
        workspaceFolders: folders.map(({ path }) => path),
        extensionPath: context.extensionPath,
        platform: process.platform,
        env: process.env,
        homeDir: os.homedir(),
    });
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
    const resolution = resolveServer(context);
    if (!resolution.ok) {
        output.error(resolution.message);
        if (resolution.tried.length > 0) {
            output.info(`Tried:\n  ${resolution.tried.join('\n  ')}`);
        }
        status.failed(resolution.message);
        renderStatus();
        void showStartError(resolution.message);
        return;
    }
    output.info(`Starting ${resolution.path} (found via ${describeSource(resolution.source)})`);
    status.starting(resolution.path);
    renderStatus();

    // No `transport`: vscode-languageclient would then append `--stdio`, and runbook-ls
    // speaks LSP over stdio when it gets no arguments at all.
    const serverOptions: ServerOptions = { command: resolution.path, args: [] };
    const clientOptions: LanguageClientOptions = {
        documentSelector: [{ scheme: 'file', language: 'markdown' }],
        // The server applies these to every folder, so they hold only what applies to all of
        // them (user and workspace settings); each folder's own settings come per folder below.
        initializationOptions: () => serverSettings(undefined),
        outputChannel: output,
        middleware: {
            workspace: {
                // The default answer is VS Code's whole `runbook-ls` section, defaults and
                // client-only keys included; the server must see only what the user set, for the
                // folder it asks about (`scopeUri`).
                configuration: async (params, token, next) => {
                    const answers = await next(params, token);
                    if (!Array.isArray(answers)) {
                        return answers;
                    }
                    return params.items.map((item, index) => {
                        const scope = item.scopeUri === undefined ? undefined : vscode.Uri.parse(item.scopeUri);
                        const ours = configurationItem(item.section, serverSettings(scope));
                        return ours === undefined ? answers[index] : ours;
                    });
                },
            },
            // Seen on the way to VS Code's own progress display, which `next` keeps.
            handleWorkDoneProgress: (token, params, next) => {
                status.progress(token, params);
                renderStatus();
                next(token, params);
            },
        },
    };

    const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
    newClient.onDidChangeState((event) => {
        // A client that was stopped on purpose (restart, deactivation) is no longer `client`.
        if (client !== newClient) {
            return;
        }
        if (event.newState === State.Running) {
            status.running(newClient.initializeResult?.serverInfo?.version);
        } else if (event.newState === State.Starting) {
            status.starting(resolution.path);
        } else {
            status.failed(`runbook-ls (${resolution.path}) stopped unexpectedly: the output has its last messages; run "runbook-ls: Restart Server" to start it again.`);
        }
        renderStatus();
    });
    client = newClient;
    clientPath = resolution.path;
    try {
        await newClient.start();
    } catch (error) {
        client = undefined;
        clientPath = undefined;
        // vscode-languageclient has already shown its own notification for this failure.
        const message = `runbook-ls failed to start from ${resolution.path}: ${String(error)}`;
        output.error(message);
        status.failed(message);
        renderStatus();
    }
}

async function stopClient(): Promise<void> {
    const running = client;
    client = undefined;
    clientPath = undefined;
    if (running === undefined) {
        return;
    }
    try {
        await running.stop(2000);
    } catch (error) {
        output.warn(`Stopping runbook-ls: ${String(error)}`);
    }
    status.stopped();
    renderStatus();
}

function onConfigurationChanged(event: vscode.ConfigurationChangeEvent, context: vscode.ExtensionContext): void {
    // Without a scope, `affectsConfiguration` covers every folder's settings too.
    if (event.affectsConfiguration(SERVER_PATH_SETTING)) {
        output.info(`${SERVER_PATH_SETTING} changed; restarting the server`);
        void restart(context);
        return;
    }
    // Sent by hand instead of through `synchronize.configurationSection`, which would push
    // VS Code's defaults and the client-only `server`/`trace` keys as if the user set them.
    // The server then asks again for each folder's settings (`workspace/configuration`).
    if (client !== undefined && isServerSettingChange((section) => event.affectsConfiguration(section))) {
        const settings = { [SECTION]: serverSettings(undefined) };
        client.sendNotification(DidChangeConfigurationNotification.type, { settings }).catch((error: unknown) => {
            output.error(`Sending the changed settings to runbook-ls failed: ${String(error)}`);
        });
    }
}

/**
 * vscode-languageclient tells the server about added and removed folders itself; the binary only
 * changes when `runbook-ls.server.path` is relative and now resolves in another folder.
 */
function onWorkspaceFoldersChanged(context: vscode.ExtensionContext): void {
    if (client === undefined) {
        return;
    }
    const resolution = resolveServer(context);
    if (resolution.ok && resolution.path === clientPath) {
        return;
    }
    output.info('The workspace folders changed where runbook-ls.server.path points; restarting the server');
    void restart(context);
}

/** The settings the user set, for one folder (`scope`), or for the window (user and workspace). */
function serverSettings(scope: vscode.Uri | undefined): ServerSettings {
    const configuration = vscode.workspace.getConfiguration(SECTION, scope);
    return serverSettingsFrom((key) => {
        const inspected = configuration.inspect(key);
        // Without a folder, a folder's own value is not the window's to send.
        return scope === undefined && inspected !== undefined ? { ...inspected, workspaceFolderValue: undefined } : inspected;
    });
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
