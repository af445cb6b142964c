/// The version (the file VERSION; scripts/set-version.sh writes it here).
let ldredisVersion = "1.0.0"
