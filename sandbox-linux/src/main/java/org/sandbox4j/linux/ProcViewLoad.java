package org.sandbox4j.linux;

/**
 * One view's load average, computed as the kernel computes the host's
 * ({@code kernel/sched/loadavg.c}): fixed-point exponential averages over 1, 5 and 15
 * minutes of the count of running and uninterruptible tasks, sampled every 5 seconds —
 * here the sandbox's tasks, from the run's start. Periods that passed without a sample
 * are applied at once with the count seen at the next one, as the kernel does after a
 * tickless idle stretch. Mutable; confined to the thread that serves the view.
 */
final class ProcViewLoad {
  static final int FSHIFT = 11;
  static final long FIXED_1 = 1L << FSHIFT;
  /** 1 / exp(5 s / 1 min), 1 / exp(5 s / 5 min), 1 / exp(5 s / 15 min) in fixed point. */
  static final long EXP_1 = 1884;
  static final long EXP_5 = 2014;
  static final long EXP_15 = 2037;
  static final long PERIOD_NANOS = 5_000_000_000L;

  private final long[] averages = new long[3];
  private long nextSampleNanos;

  /** Starts at zero load at {@code originNanos} (the run's start); the first sample is 5 s later. */
  ProcViewLoad(long originNanos) {
    this.nextSampleNanos = originNanos + PERIOD_NANOS;
  }

  /** Applies every 5-second period that ended by {@code nowNanos}, with {@code active} tasks. */
  void advance(long nowNanos, int active) {
    if (nowNanos - nextSampleNanos < 0) {
      return;
    }
    long periods = (nowNanos - nextSampleNanos) / PERIOD_NANOS + 1;
    long activeFixed = (long) Math.max(0, active) * FIXED_1;
    averages[0] = calcLoadN(averages[0], EXP_1, activeFixed, periods);
    averages[1] = calcLoadN(averages[1], EXP_5, activeFixed, periods);
    averages[2] = calcLoadN(averages[2], EXP_15, activeFixed, periods);
    nextSampleNanos += periods * PERIOD_NANOS;
  }

  /** The fixed-point averages (1, 5, 15 minutes); for tests. */
  long[] averages() {
    return averages.clone();
  }

  /** "0.52 0.18 0.06" as {@code /proc/loadavg} prints them, rounded to hundredths as the kernel rounds. */
  String format() {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      long value = averages[i] + FIXED_1 / 200;
      if (i > 0) {
        s.append(' ');
      }
      s.append(value >> FSHIFT).append('.');
      long fraction = ((value & (FIXED_1 - 1)) * 100) >> FSHIFT;
      if (fraction < 10) {
        s.append('0');
      }
      s.append(fraction);
    }
    return s.toString();
  }

  /** One sample: {@code load * exp + active * (1 - exp)}, rounded up while the load rises. */
  static long calcLoad(long load, long exp, long active) {
    long newLoad = load * exp + active * (FIXED_1 - exp);
    if (active >= load) {
      newLoad += FIXED_1 - 1;
    }
    return newLoad / FIXED_1;
  }

  /** {@code n} samples with the same count: one sample with {@code exp^n}. */
  static long calcLoadN(long load, long exp, long active, long n) {
    return calcLoad(load, fixedPower(exp, n), active);
  }

  /** {@code x^n} in fixed point, by squaring, rounding each product as the kernel's fixed_power_int. */
  static long fixedPower(long x, long n) {
    long result = FIXED_1;
    long base = x;
    long rest = n;
    while (rest > 0) {
      if ((rest & 1) != 0) {
        result = (result * base + (FIXED_1 >> 1)) >> FSHIFT;
      }
      rest >>= 1;
      if (rest == 0) {
        break;
      }
      base = (base * base + (FIXED_1 >> 1)) >> FSHIFT;
    }
    return result;
  }
}
