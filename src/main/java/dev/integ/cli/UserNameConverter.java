package dev.integ.cli;

import dev.integ.core.IntegException;
import dev.integ.core.UserName;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Every option and parameter that names an integ user goes through {@link UserName}'s rule while the
 * command line is parsed, so a bad name stops the command (exit 2) before it reads, writes or records
 * anything, with the same words from every command; the command gets the name normalised (NFC).
 */
final class UserNameConverter implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        try {
            return UserName.of(value).value();
        } catch (IntegException e) {
            throw new TypeConversionException(e.getMessage());
        }
    }
}
