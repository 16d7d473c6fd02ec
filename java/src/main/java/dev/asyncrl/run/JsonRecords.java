package dev.asyncrl.run;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Records as the JSON objects the run files hold, instead of maps built key by key: the record's
 * components in their order, named in snake_case with a digit run as its own word
 * ({@code meanReturn100} → {@code mean_return_100}).
 */
public final class JsonRecords {
    private JsonRecords() {}

    /** A mapper that writes records with these names (and NaN as the string "NaN", Jackson's default). */
    public static final ObjectMapper MAPPER = new ObjectMapper().setPropertyNamingStrategy(new SnakeCase());

    /** The record as an ordered map, NaN as null (JSON has no NaN): what summary.json holds. */
    public static Map<String, Object> toMap(Record r) {
        Map<String, Object> m = MAPPER.convertValue(r, new TypeReference<LinkedHashMap<String, Object>>() {});
        m.replaceAll((k, v) -> v instanceof Double d && d.isNaN() ? null : v);
        return m;
    }

    /** camelCase → snake_case, a digit run starting a word of its own. */
    static final class SnakeCase extends PropertyNamingStrategies.NamingBase {
        @Override
        public String translate(String name) {
            StringBuilder b = new StringBuilder(name.length() + 4);
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                boolean wordStart = i > 0 && (Character.isUpperCase(c)
                        || (Character.isDigit(c) && !Character.isDigit(name.charAt(i - 1))));
                if (wordStart) b.append('_');
                b.append(Character.toLowerCase(c));
            }
            return b.toString();
        }
    }
}
