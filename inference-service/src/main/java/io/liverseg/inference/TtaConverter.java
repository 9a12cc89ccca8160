package io.liverseg.inference;

import io.liverseg.model.predict.TestTimeAugmentation;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * {@code liverseg.inference.tta}: {@code none|flip|shift}, and the booleans the key took before (true = flip,
 * false = none), so existing configurations keep their meaning.
 */
public final class TtaConverter implements Converter<TestTimeAugmentation> {
    @Override
    public TestTimeAugmentation convert(String value) {
        String v = value.trim();
        if (v.equalsIgnoreCase("true")) {
            return TestTimeAugmentation.FLIP;
        }
        if (v.equalsIgnoreCase("false")) {
            return TestTimeAugmentation.NONE;
        }
        return TestTimeAugmentation.parse(v);
    }
}
