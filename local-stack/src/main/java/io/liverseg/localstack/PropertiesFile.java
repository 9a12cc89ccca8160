package io.liverseg.localstack;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/** Writes {@code .properties} files in a stable, readable order (java.util.Properties would shuffle them). */
final class PropertiesFile {

    private PropertiesFile() {
    }

    static void write(Path file, String comment, Map<String, String> entries) throws IOException {
        StringBuilder text = new StringBuilder("# ").append(comment).append(System.lineSeparator());
        for (Map.Entry<String, String> entry : entries.entrySet()) {
            text.append(entry.getKey()).append('=').append(escape(entry.getValue())).append(System.lineSeparator());
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    static Map<String, String> read(Path file) throws IOException {
        Properties properties = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            properties.load(in);
        }
        Map<String, String> entries = new LinkedHashMap<>();
        properties.stringPropertyNames().forEach(name -> entries.put(name, properties.getProperty(name)));
        return entries;
    }

    /** Enough for Properties.load to read back paths and URLs: backslashes, line breaks, leading blanks. */
    static String escape(String value) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case ' ' -> out.append(i == 0 ? "\\ " : " ");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
