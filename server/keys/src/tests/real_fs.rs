//! The catalog on the real disk: the corpus KEY tree, and the promise that
//! nothing outside the workspace is read.

use std::path::{Path, PathBuf};

use expect_test::expect;

use super::render;
use crate::fs::{FileIdentity, FileSystem, RealFs, slash_path};
use crate::{CatalogConfig, KeyCatalog};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/corpus/keys-repo")
}

#[test]
fn corpus_catalog() {
    let root = corpus();
    let fs = RealFs::new([&root]);
    let catalog = KeyCatalog::build(&fs, &root, &CatalogConfig::default());
    expect![[r#"
        root node-keys (family node, @/node-keys/)

        node-audit-log-capture
          family node, folder /node-keys/audit-log-capture
          alias next-audit-log-capture
          manifest /node-keys/audit-log-capture/key.json
            slug: audit-log-capture at 2:12
            title: Audit Log Capture Key
            description: Unlocks audit log dashboard widget for tracking user actions
            tool: next
            key_type: ui
            runtime: next
            side_effects: Exports React component for audit log display; Queries database for audit log entries; Renders audit log UI
            required_env: DATABASE_URL
            optional_env: AUDIT_LOG_RETENTION_DAYS
            tenant_scope: per-user-tenant-id
          entry /node-keys/audit-log-capture/src/index.ts
          files README.md, key.json, src/components/AuditLogWidget.tsx, src/index.ts, src/types.ts
          export AuditLogEntry (interface) at /node-keys/audit-log-capture/src/types.ts:1:18
            export interface AuditLogEntry
          export AuditLogWidget (function) at /node-keys/audit-log-capture/src/components/AuditLogWidget.tsx:2:17
            export function AuditLogWidget()
            | Dashboard widget listing recent audit log entries. (Corpus stub: body omitted.)

        node-background-reconciliation
          family node, folder /node-keys/background-reconciliation
          manifest /node-keys/background-reconciliation/key.json
            slug: background-reconciliation at 2:12
            title: Background Reconciliation Job Key
            description: Unlocks automated background reconciliation of subscription data with Stripe
            tool: node
            key_type: job
            runtime: node
            side_effects: Runs scheduled background job; Queries Stripe API for subscription data; Updates local database with reconciliation results; Sends email notifications on discrepancies
            required_env: STRIPE_SECRET_KEY, DATABASE_URL
            optional_env: RECONCILIATION_SCHEDULE, EMAIL_NOTIFICATION_ENABLED
            tenant_scope: per-user-tenant-id
          entry /node-keys/background-reconciliation/src/index.ts
          files README.md, key.json, src/handlers/reconciliation.ts, src/index.ts, src/types.ts
          export ReconciliationConfig (interface) at /node-keys/background-reconciliation/src/types.ts:1:18
            export interface ReconciliationConfig
          export reconciliationJob (function) at /node-keys/background-reconciliation/src/handlers/reconciliation.ts:7:23
            export async function reconciliationJob(config?: ReconciliationConfig): Promise<void>
            | Reconciles subscription data between Stripe and the database.
            | (Corpus stub: body omitted.)

        node-safe-cron-execution
          family node, folder /node-keys/safe-cron-execution
          manifest /node-keys/safe-cron-execution/key.json
            slug: safe-cron-execution at 2:12
            title: Safe Cron Execution Key
            description: Unlocks safe, idempotent cron job execution with locking and error handling
            tool: node
            key_type: job
            runtime: node
            side_effects: Creates distributed lock for cron execution; Prevents concurrent execution of same job; Logs execution results; Handles errors gracefully
            required_env: DATABASE_URL
            optional_env: LOCK_TIMEOUT_SECONDS
            tenant_scope: global
          entry /node-keys/safe-cron-execution/src/index.ts
          files README.md, key.json, src/handlers/cron.ts, src/index.ts, src/types.ts
          export CronJobConfig (interface) at /node-keys/safe-cron-execution/src/types.ts:1:18
            export interface CronJobConfig
          export safeCronExecute (function) at /node-keys/safe-cron-execution/src/handlers/cron.ts:9:23
            export async function safeCronExecute(config: CronJobConfig): Promise<void>
            | Runs a cron job under a distributed lock so that two runs never overlap.
            | (Corpus stub: body omitted.)
            @param config - Cron job configuration

        node-stripe-webhook-entitlement
          family node, folder /node-keys/stripe-webhook-entitlement
          alias next-stripe-webhook-entitlement
          manifest /node-keys/stripe-webhook-entitlement/key.json
            slug: stripe-webhook-entitlement at 2:12
            title: Stripe Webhook Entitlement Key
            description: Unlocks Stripe webhook verification and entitlement checking for subscription-based features
            tool: next
            key_type: route, integration
            runtime: node
            side_effects: Creates POST /api/webhooks/stripe route handler; Verifies Stripe webhook signatures; Checks user entitlements from Stripe subscriptions; Updates local database with subscription status
            required_env: STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET
            optional_env: STRIPE_API_VERSION
            tenant_scope: per-request-tenant-id
          entry /node-keys/stripe-webhook-entitlement/src/index.ts
          files README.md, key.json, src/handlers/webhook.ts, src/index.ts, src/types.ts, src/validators/entitlement.ts, src/validators/webhook.ts
          export CheckEntitlementParams (interface) at /node-keys/stripe-webhook-entitlement/src/validators/entitlement.ts:1:18
            export interface CheckEntitlementParams
          export EntitlementResult (interface) at /node-keys/stripe-webhook-entitlement/src/types.ts:7:18
            export interface EntitlementResult
          export StripeWebhookConfig (interface) at /node-keys/stripe-webhook-entitlement/src/types.ts:1:18
            export interface StripeWebhookConfig
          export WebhookEvent (interface) at /node-keys/stripe-webhook-entitlement/src/types.ts:14:18
            export interface WebhookEvent
          export checkStripeEntitlement (function) at /node-keys/stripe-webhook-entitlement/src/validators/entitlement.ts:8:23
            export async function checkStripeEntitlement(params: CheckEntitlementParams): Promise<{ hasAccess: boolean; subscriptionId?: string; features?: string[] }>
            | Checks whether a customer's subscription grants a feature. (Corpus stub: body omitted.)
          export stripeWebhookHandler (function) at /node-keys/stripe-webhook-entitlement/src/handlers/webhook.ts:4:23
            export async function stripeWebhookHandler(req: Request, config?: StripeWebhookConfig): Promise<Response>
            | Next.js route handler for Stripe webhooks. (Corpus stub: body omitted.)
          export verifyStripeWebhook (function) at /node-keys/stripe-webhook-entitlement/src/validators/webhook.ts:2:17
            export function verifyStripeWebhook(signature: string | null, body: string, webhookSecret: string): unknown | null
            | Verifies a Stripe webhook signature. (Corpus stub: body omitted.)

        node-supabase-rls-guard
          family node, folder /node-keys/supabase-rls-guard
          manifest /node-keys/supabase-rls-guard/key.json
            slug: supabase-rls-guard at 2:12
            title: Supabase RLS Guard Key
            description: Unlocks Row-Level Security (RLS) policies for tenant isolation in Supabase
            tool: node
            key_type: data
            runtime: node
            side_effects: Creates RLS policies on subscriptions table; Creates RLS policies on users table; Enables RLS on tables; Creates database functions for tenant isolation
            required_env: DATABASE_URL
            tenant_scope: per-user-tenant-id
          entry /node-keys/supabase-rls-guard/src/index.ts
          files README.md, key.json, src/handlers/rls.ts, src/index.ts, src/types.ts
          export RLSPolicyConfig (interface) at /node-keys/supabase-rls-guard/src/types.ts:1:18
            export interface RLSPolicyConfig
          export createRLSPolicies (function) at /node-keys/supabase-rls-guard/src/handlers/rls.ts:9:23
            export async function createRLSPolicies(config?: RLSPolicyConfig): Promise<void>
            | Creates row-level-security policies for tenant isolation.
            | (Corpus stub: body omitted.)
            @param config - RLS policy configuration
    "#]].assert_eq(&render(&catalog));
}

/// A fresh folder under the system temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("runbook-keys-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(unix)]
#[test]
fn never_reads_outside_the_workspace() {
    use std::os::unix::fs::symlink;

    let temp = TempDir::new("confined");
    let outside = temp.write("outside/secret.ts", "/** Secret. */\nexport function secret() {}\n");
    temp.write("outside/stolen/src/index.ts", "export function stolen() {}\n");
    let workspace = temp.0.join("workspace");
    temp.write("workspace/.gitignore", "generated.ts\n");
    temp.write("workspace/node-keys/a/key.json", r#"{ "slug": "a" }"#);
    temp.write(
        "workspace/node-keys/a/src/index.ts",
        "export { secret } from './link';\nexport { generated } from './generated';\nexport { own } from './own';\n",
    );
    temp.write("workspace/node-keys/a/src/own.ts", "export function own() {}\n");
    temp.write("workspace/node-keys/a/src/generated.ts", "export function generated() {}\n");
    temp.write("workspace/node-keys/a/node_modules/pkg/index.ts", "export function installed() {}\n");
    let link = workspace.join("node-keys/a/src/link.ts");
    symlink(&outside, &link).unwrap();
    symlink(temp.0.join("outside/stolen"), workspace.join("node-keys/stolen")).unwrap();
    // A link that stays inside the workspace may be read.
    let inner_link = workspace.join("node-keys/a/own-link.ts");
    symlink(workspace.join("node-keys/a/src/own.ts"), &inner_link).unwrap();

    let fs = RealFs::new([&workspace]);
    let walked: Vec<String> =
        fs.walk(&workspace).iter().map(|path| path.strip_prefix(&workspace).unwrap().display().to_string()).collect();
    assert_eq!(walked, ["node-keys/a/key.json", "node-keys/a/src/index.ts", "node-keys/a/src/own.ts"]);

    assert_eq!(fs.read_to_string(&link).unwrap_err().kind(), std::io::ErrorKind::PermissionDenied);
    assert_eq!(fs.read_to_string(&outside).unwrap_err().kind(), std::io::ErrorKind::PermissionDenied);
    assert!(!fs.is_file(&link));
    assert!(!fs.is_dir(&workspace.join("node-keys/stolen")));
    assert!(!fs.exists(&link));
    assert!(!fs.exists(&workspace.join("node-keys/stolen")));
    assert!(!fs.exists(&workspace.join("../outside/secret.ts")));
    assert!(!fs.exists(&workspace.join("node-keys/a/missing.ts")));
    assert!(fs.exists(&workspace.join("node-keys/a")));
    assert!(fs.exists(&workspace.join("node-keys/a/src/own.ts")));
    assert!(fs.exists(&inner_link));
    assert!(fs.is_file(&inner_link) && !fs.is_dir(&inner_link));
    assert!(fs.read_to_string(&inner_link).is_ok());
    let listed = fs.read_dir(&workspace.join("node-keys")).unwrap();
    assert_eq!(listed, [workspace.join("node-keys/a")]);

    let catalog = KeyCatalog::build(&fs, &workspace, &CatalogConfig::default());
    let slugs: Vec<&str> = catalog.keys().map(|key| key.slug.as_str()).collect();
    assert_eq!(slugs, ["node-a"]);
    let key = catalog.key("node-a").unwrap();
    assert_eq!(key.files, ["key.json", "src/index.ts", "src/own.ts"]);
    let exports: Vec<(&str, &str)> =
        key.exports().iter().map(|export| (export.name.as_str(), export.signature.as_str())).collect();
    assert_eq!(
        exports,
        [
            ("generated", "export { generated } from './generated'"),
            ("own", "export function own()"),
            ("secret", "export { secret } from './link'"),
        ]
    );
}

fn walked(fs: &RealFs, root: &Path) -> Vec<String> {
    fs.walk(root).iter().map(|path| slash_path(path.strip_prefix(root).unwrap())).collect()
}

/// Issue 14: a `.gitignore` in a folder above the workspace, outside any git
/// repository, removed every finding.
#[test]
fn ignore_files_above_the_workspace_do_not_apply() {
    let temp = TempDir::new("ignore-above");
    temp.write(".gitignore", "*.md\nnode-keys/\n");
    temp.write(".ignore", "*.ts\n");
    temp.write("workspace/.gitignore", "local.md\n");
    temp.write("workspace/runbooks/a.md", "");
    temp.write("workspace/runbooks/local.md", "");
    temp.write("workspace/node-keys/a/src/index.ts", "");
    let workspace = temp.0.join("workspace");
    let fs = RealFs::new([&workspace]);
    assert_eq!(walked(&fs, &workspace), ["node-keys/a/src/index.ts", "runbooks/a.md"]);
    // Walking a folder inside the workspace applies the workspace's files above it.
    temp.write("workspace/runbooks/.gitignore", "b.md\n");
    temp.write("workspace/runbooks/b.md", "");
    assert_eq!(walked(&fs, &workspace.join("runbooks")), ["a.md"]);
}

/// Inside a git repository, its ignore files from its root down apply, as
/// git applies them; those above the repository do not.
#[test]
fn the_ignore_files_of_the_enclosing_git_repository_apply() {
    let temp = TempDir::new("ignore-repository");
    temp.write(".gitignore", "kept.md\n");
    temp.write("repo/.git/HEAD", "ref: refs/heads/main\n");
    temp.write("repo/.git/info/exclude", "excluded.md\n");
    temp.write("repo/.gitignore", "by-repo.md\nwhitelisted.md\ngenerated/\n");
    temp.write("repo/sub/.gitignore", "by-sub.md\n");
    temp.write("repo/sub/workspace/.gitignore", "!whitelisted.md\n");
    for file in ["kept.md", "excluded.md", "by-repo.md", "by-sub.md", "whitelisted.md", "generated/x.md"] {
        temp.write(&format!("repo/sub/workspace/{file}"), "");
    }
    let workspace = temp.0.join("repo/sub/workspace");
    let fs = RealFs::new([&workspace]);
    assert_eq!(walked(&fs, &workspace), ["kept.md", "whitelisted.md"]);
    assert_eq!(walked(&fs, &workspace.join("generated")), Vec::<String>::new(), "an ignored folder is ignored whole");
}

/// `walk_tree` lists the files `walk` lists, with each file's size and
/// time as the disk gives them: what `check --cache` tells versions apart by.
#[test]
fn a_walk_with_identities_lists_the_same_files_with_their_sizes_and_times() {
    let temp = TempDir::new("identities");
    temp.write(".gitignore", "ignored.md\n");
    temp.write("ignored.md", "");
    temp.write("runbooks/a.md", "# A\n");
    temp.write("node-keys/a/key.json", r#"{ "slug": "a" }"#);
    temp.write("node-keys/a/src/.gitignore", "generated.ts\n");
    temp.write("node-keys/a/src/generated.ts", "");
    temp.write("node-keys/a/src/index.ts", "export function a() {}\n");
    let fs = RealFs::new([&temp.0]);
    let walked = fs.walk_tree(&temp.0).files;
    let paths: Vec<PathBuf> = walked.iter().map(|(path, _)| path.clone()).collect();
    assert_eq!(paths, fs.walk(&temp.0));
    assert_eq!(walked.len(), 3);
    for (path, identity) in &walked {
        let metadata = std::fs::metadata(path).unwrap();
        assert_eq!(*identity, FileIdentity::of(&metadata), "{}", path.display());
        assert_eq!(identity.len, metadata.len());
        assert_ne!(identity.modified, 0);
    }
    let index = temp.0.join("node-keys/a/src/index.ts");
    let before = walked.iter().find(|(path, _)| *path == index).unwrap().1;
    temp.write("node-keys/a/src/index.ts", "export function a() {}\nexport function b() {}\n");
    let after = fs.walk_tree(&temp.0).files.into_iter().find(|(path, _)| *path == index).unwrap().1;
    assert_ne!(before, after);
}
