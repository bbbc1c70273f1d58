package org.openjii.mmi.ingest;

import java.math.BigDecimal;

import com.fasterxml.jackson.core.io.NumberOutput;

/**
 * A number as JavaScript prints it ({@code String(x)}, ECMAScript's Number::toString): the shortest decimal that reads
 * back as the same double, without a trailing {@code .0} ({@code 2.30} → {@code "2.3"}, {@code 2.0} → {@code "2"},
 * {@code 1e21} → {@code "1e+21"}, {@code 5e-324} → {@code "5e-324"}).
 * <p>
 * openJII's app parses the device's output with {@code JSON.parse}, so what it stores for a number is this text; mmi
 * writes {@code device_firmware} the same way so one instrument is one device to openJII, whichever way its data came.
 * <p>
 * Written here because no library on the class path formats by ECMAScript's rules: the digits come from Jackson's
 * Schubfach writer ({@link NumberOutput#toString(double, boolean)}; Java 17's own {@link Double#toString(double)} is
 * not always shortest, e.g. {@code 2.0E23} as {@code 1.9999999999999998E23}). Schubfach follows Java's rule, which
 * prefers two digits to one when the two-digit decimal is closer ({@code 4.9E-324} for JavaScript's {@code 5e-324}):
 * that one case is corrected to ECMAScript's shortest, then the digits are laid out as ECMAScript says.
 */
final class EcmaScriptNumber {

    /** ECMAScript writes a number of up to 21 integer digits in full, and from 1e21 on with an exponent. */
    private static final int MAX_PLAIN_EXPONENT = 21;
    /** ... and a fraction down to 1e-6 in full ({@code 0.000001}), below that with an exponent. */
    private static final int MIN_PLAIN_EXPONENT = -6;

    private EcmaScriptNumber() {
    }

    /** {@code String(value)} in JavaScript. */
    static String toString(double value) {
        if (Double.isNaN(value)) {
            return "NaN";
        }
        if (value == 0) {
            // Both zeros: String(-0) is "0".
            return "0";
        }
        if (value < 0) {
            return "-" + toString(-value);
        }
        if (Double.isInfinite(value)) {
            return "Infinity";
        }
        BigDecimal shortest = shortest(value);
        String digits = shortest.unscaledValue().toString();
        int k = digits.length();
        // value = digits × 10^(n - k), in the names of ECMAScript's Number::toString.
        int n = k - shortest.scale();
        if (k <= n && n <= MAX_PLAIN_EXPONENT) {
            return digits + "0".repeat(n - k);
        }
        if (0 < n && n <= MAX_PLAIN_EXPONENT) {
            return digits.substring(0, n) + "." + digits.substring(n);
        }
        if (MIN_PLAIN_EXPONENT < n && n <= 0) {
            return "0." + "0".repeat(-n) + digits;
        }
        int exponent = n - 1;
        String e = "e" + (exponent < 0 ? "-" : "+") + Math.abs(exponent);
        return k == 1 ? digits + e : digits.charAt(0) + "." + digits.substring(1) + e;
    }

    /** The shortest decimal that reads back as {@code value} (positive, finite), without trailing zeros. */
    private static BigDecimal shortest(double value) {
        BigDecimal schubfach = new BigDecimal(NumberOutput.toString(value, true)).stripTrailingZeros();
        if (schubfach.precision() != 2) {
            return schubfach;
        }
        // Java's choice may be two digits where one digit also reads back: ECMAScript takes the one digit, and of two
        // such, the closer to the value (the even one on a tie).
        BigDecimal step = BigDecimal.ONE.scaleByPowerOfTen(-schubfach.scale() + 1);
        BigDecimal down = schubfach.divideToIntegralValue(step).multiply(step);
        BigDecimal up = down.add(step);
        boolean downReads = readsBackAs(down, value);
        boolean upReads = readsBackAs(up, value);
        if (downReads && upReads) {
            BigDecimal exact = new BigDecimal(value);
            int closer = exact.subtract(down).abs().compareTo(up.subtract(exact).abs());
            boolean downIsEven = down.divide(step).intValueExact() % 2 == 0;
            return (closer < 0 || closer == 0 && downIsEven ? down : up).stripTrailingZeros();
        }
        if (downReads) {
            return down.stripTrailingZeros();
        }
        if (upReads) {
            return up.stripTrailingZeros();
        }
        return schubfach;
    }

    private static boolean readsBackAs(BigDecimal decimal, double value) {
        return decimal.signum() > 0 && Double.parseDouble(decimal.toString()) == value;
    }
}
