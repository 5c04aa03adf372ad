package dev.integ.cli;

import picocli.CommandLine.Command;

@Command(name = "keys",
        header = "Manage the keys that encrypt credentials: init, status, rotate, rewrap, retire, rotate-master.",
        description = {"Credentials are encrypted with a Tink AES256-GCM data keyset kept in Redis, itself encrypted "
                + "under a master key: a Tink keyset file (INTEG_MASTER_KEY_FILE or vault.master-key-file; the embedded "
                + "store keeps its own in $XDG_DATA_HOME/integ/master-key.json).",
                "Every job is non-interactive, takes --dry-run and -o json, and holds a lock so two never overlap.",
                "A rotation: 'keys rotate' (new primary key), 'keys rewrap' (re-encrypt records), 'keys retire ID' (remove the old key)."},
        subcommands = {KeysInitCommand.class, KeysStatusCommand.class, KeysRotateCommand.class, KeysRewrapCommand.class,
                KeysRetireCommand.class, KeysRotateMasterCommand.class})
final class KeysCommand extends CommandGroup {
}
