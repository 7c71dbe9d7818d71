//! Parsing and validating `sandkasten.yaml`: defaults, overrides, refusals with their line.

use super::*;

fn parse(text: &str) -> Result<SandkastenConfig, ConfigError> {
    SandkastenConfig::parse(text, Path::new("sandkasten.yaml"))
}

#[test]
fn sandkastens_full_example_parses() {
    let cfg = parse(
        r#"
listen: "0.0.0.0:8080"
api_key: "sk-sandbox-quickstart"
default_image: "sandbox-runtime:python"
allowed_images: ["sandbox-runtime:base", "sandbox-runtime:python"]
db_path: "./sandkasten.db"
session_ttl_seconds: 1800
defaults:
  cpu_limit: 1.5
  mem_limit_mb: 1024
  pids_limit: 128
  max_exec_timeout_ms: 120000
  network_mode: "full"
  readonly_rootfs: true
workspace:
  enabled: true
  persist_by_default: false
pool:
  enabled: true
  images:
    sandbox-runtime:python: 3
"#,
    )
    .unwrap();
    assert_eq!(cfg.default_image, "sandbox-runtime:python");
    assert_eq!(cfg.allowed_images.len(), 2);
    assert_eq!(cfg.defaults.cpu_limit, 1.5);
    assert_eq!(cfg.defaults.network_mode, "full");
    assert!(cfg.workspace.enabled);
    assert_eq!(cfg.pool.images["sandbox-runtime:python"], 3);
    assert!(!cfg.read_only);
}

#[test]
fn missing_keys_take_sandkastens_defaults() {
    let cfg = parse("default_image: img\n").unwrap();
    assert_eq!(cfg.session_ttl_seconds, 1800);
    assert_eq!(cfg.defaults, Defaults::default());
    assert!(
        !cfg.workspace.enabled,
        "sandkasten leaves workspaces off by default"
    );
    assert_eq!(parse("").unwrap(), SandkastenConfig::default());
}

#[test]
fn type_errors_name_line_column_and_key() {
    let err = parse("default_image: img\ndefaults:\n  cpu_limit: lots\n").unwrap_err();
    let ConfigError::Parse {
        line,
        column,
        reason,
        ..
    } = &err
    else {
        panic!("expected a parse error, got {err:?}");
    };
    assert_eq!(*line, 3);
    assert!(*column > 1);
    assert!(reason.contains("cpu_limit"), "{reason}");
    assert!(err.to_string().starts_with("sandkasten.yaml:3:"), "{err}");
}

#[test]
fn broken_yaml_is_refused_with_its_location() {
    let err = parse("workspace:\n  enabled: [true\n").unwrap_err();
    assert!(matches!(err, ConfigError::Parse { .. }), "{err:?}");
    assert!(err.to_string().starts_with("sandkasten.yaml:"), "{err}");
}

/// The file and the environment merged and validated, as `load` does it.
fn merged(text: &str, env: &[(&str, &str)]) -> Result<SandkastenConfig, ConfigError> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    SandkastenConfig::from_sources(text, Path::new("sandkasten.yaml"), move |name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
}

#[test]
fn nonsense_limits_in_the_file_are_refused_with_file_and_line() {
    let cases = [
        (
            "defaults:\n  cpu_limit: 0\n",
            "sandkasten.yaml:2: defaults.cpu_limit",
        ),
        (
            "defaults:\n  cpu_limit: .nan\n",
            "sandkasten.yaml:2: defaults.cpu_limit",
        ),
        (
            "defaults:\n  cpu_limit: .inf\n",
            "sandkasten.yaml:2: defaults.cpu_limit",
        ),
        (
            "defaults:\n  cpu_limit: -1\n",
            "sandkasten.yaml:2: defaults.cpu_limit",
        ),
        (
            "defaults:\n  cpu_limit: 0.000000001\n",
            "sandkasten.yaml:2: defaults.cpu_limit",
        ),
        (
            "default_image: img\ndefaults:\n  pids_limit: 10\n  mem_limit_mb: 0\n",
            "sandkasten.yaml:4: defaults.mem_limit_mb",
        ),
        (
            "defaults:\n  pids_limit: 0\n",
            "sandkasten.yaml:2: defaults.pids_limit",
        ),
        (
            "defaults:\n  pids_limit: -1\n",
            "sandkasten.yaml:2: defaults.pids_limit",
        ),
        (
            "defaults: {pids_limit: -1}\n",
            "sandkasten.yaml:1: defaults.pids_limit",
        ),
        ("default_image: ''\n", "sandkasten.yaml:1: default_image"),
    ];
    for (text, start) in cases {
        let err = merged(text, &[]).unwrap_err();
        assert!(
            matches!(err, ConfigError::Invalid { .. }),
            "{text:?}: {err:?}"
        );
        assert!(err.to_string().starts_with(start), "{text:?}: {err}");
    }
}

#[test]
fn nonsense_limits_from_the_environment_are_refused_naming_the_variable() {
    let cases = [
        ("SANDKASTEN_MEM_LIMIT_MB", "0"),
        ("SANDKASTEN_CPU_LIMIT", "NaN"),
        ("SANDKASTEN_CPU_LIMIT", "inf"),
        ("SANDKASTEN_CPU_LIMIT", "0"),
        ("SANDKASTEN_CPU_LIMIT", "-2"),
        ("SANDKASTEN_PIDS_LIMIT", "0"),
        ("SANDKASTEN_PIDS_LIMIT", "-1"),
        ("SANDKASTEN_PIDS_LIMIT", "9223372036854775807"),
        ("SANDKASTEN_MEM_LIMIT_MB", "18446744073709551615"),
        ("SANDKASTEN_MAX_EXEC_TIMEOUT_MS", "0"),
        ("SANDKASTEN_DEFAULT_IMAGE", "  "),
    ];
    // A valid file: only the override is wrong, and the error must say so.
    let file = "default_image: img\ndefaults:\n  cpu_limit: 1\n  mem_limit_mb: 512\n";
    for (name, value) in cases {
        let err = merged(file, &[(name, value)]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with(&format!("environment variable {name}={value:?}: ")),
            "{name}={value}: {text}"
        );
    }
    // Through `load` with the implicit path too (the missing-file defaults path validates
    // the overrides as well).
    let err = load(None, |n| {
        (n == "SANDKASTEN_MEM_LIMIT_MB").then(|| "0".to_owned())
    });
    let err = err.unwrap_err().to_string();
    assert!(err.contains("SANDKASTEN_MEM_LIMIT_MB"), "{err}");
}

#[test]
fn sane_overrides_pass_the_merged_validation() {
    let cfg = merged(
        "defaults:\n  cpu_limit: 0\n",
        &[
            ("SANDKASTEN_CPU_LIMIT", "0.5"),
            ("SANDKASTEN_NETWORK_MODE", "host"),
        ],
    )
    .unwrap();
    // The file's bad value was overridden: the merged configuration is what counts.
    assert_eq!(cfg.defaults.cpu_limit, 0.5);
    // Accepted as sandkasten accepts it; sessions map it to the default bridge.
    assert_eq!(cfg.defaults.network_mode, "host");
}

/// A fresh directory under the temp dir for one test.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "sandkasten-tui-config-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Loads `path` on another thread: a regression that blocks fails the test instead of hanging it.
fn load_quickly(path: &Path) -> Result<LoadedConfig, ConfigError> {
    let path = path.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(load(Some(&path), |_| None));
    });
    rx.recv_timeout(std::time::Duration::from_secs(3))
        .expect("loading the configuration must not block")
}

#[test]
fn config_from_dev_zero_a_fifo_or_a_directory_is_refused_at_once() {
    let err = load_quickly(Path::new("/dev/zero"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("a character device, not a regular file"),
        "{err}"
    );

    let dir = scratch("special");
    let fifo = dir.join("fifo.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let err = load_quickly(&fifo).unwrap_err().to_string();
    assert!(err.contains("a FIFO, not a regular file"), "{err}");

    let err = load_quickly(&dir).unwrap_err().to_string();
    assert!(err.contains("a directory, not a regular file"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn config_larger_than_the_limit_is_refused_and_at_the_limit_accepted() {
    let dir = scratch("large");
    let big = dir.join("big.yaml");
    // Comments only: valid YAML of any size, so only the size can refuse it.
    let line = "# padding padding padding padding padding padding padding padding\n";
    let at_limit = line.repeat(super::super::file::MAX_CONFIG_BYTES as usize / line.len());
    std::fs::write(&big, &at_limit).unwrap();
    assert!(load_quickly(&big).is_ok());
    std::fs::write(&big, format!("{at_limit}{line}")).unwrap();
    let err = load_quickly(&big).unwrap_err();
    assert!(matches!(err, ConfigError::NotAConfigFile { .. }), "{err:?}");
    assert!(err.to_string().contains("larger than 1024 KiB"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn env_overrides_apply_and_bad_values_are_named() {
    let mut cfg = SandkastenConfig::default();
    let env = |name: &str| match name {
        "SANDKASTEN_DEFAULT_IMAGE" => Some("img:2".to_owned()),
        "SANDKASTEN_ALLOWED_IMAGES" => Some("a, b".to_owned()),
        "SANDKASTEN_MEM_LIMIT_MB" => Some("2048".to_owned()),
        "SANDKASTEN_WORKSPACE_ENABLED" => Some("true".to_owned()),
        _ => None,
    };
    cfg.apply_env(env).unwrap();
    assert_eq!(cfg.default_image, "img:2");
    assert_eq!(cfg.allowed_images, ["a", "b"]);
    assert_eq!(cfg.defaults.mem_limit_mb, 2048);
    assert!(cfg.workspace.enabled);

    let err = cfg
        .apply_env(|n| (n == "SANDKASTEN_PIDS_LIMIT").then(|| "many".to_owned()))
        .unwrap_err();
    assert!(err.to_string().contains("SANDKASTEN_PIDS_LIMIT"), "{err}");
}

#[test]
fn load_falls_back_to_defaults_only_for_the_implicit_path() {
    let missing = Path::new("/nonexistent/sandkasten.yaml");
    assert!(matches!(
        load(Some(missing), |_| None),
        Err(ConfigError::Read { .. })
    ));
}

#[test]
fn the_shipped_sample_parses() {
    let text = include_str!("../../sandkasten.yaml");
    let cfg = merged(text, &[]).unwrap();
    assert!(cfg.workspace.enabled);
}
