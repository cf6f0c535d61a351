package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The account of one finished run: why it stopped, its status, its wall time and, where the
 * sandbox had a cgroup, what it used. Immutable.
 */
public final class SandboxResult {
  private final Termination termination;
  private final int exitCode;
  private final int signal;
  private final long wallTimeMicros;
  private final ResourceUsage usage;
  private final String seccompViolation;
  private final ProcView procView;
  private final List<String> unenforcedLimits;

  private SandboxResult(Builder b) {
    this.termination = b.termination;
    this.exitCode = b.exitCode;
    this.signal = b.signal;
    this.wallTimeMicros = b.wallTimeMicros;
    this.usage = b.usage;
    this.seccompViolation = b.seccompViolation;
    this.procView = b.procView;
    this.unenforcedLimits = b.unenforcedLimits;
  }

  /** For providers: assembles a result. */
  public static Builder builder(Termination termination) {
    return new Builder(termination);
  }

  public Termination termination() {
    return termination;
  }

  /**
   * The exit status as a shell reports it: the program's own status when it exited, or
   * {@code 128 + signal} when a signal (or a kill by the sandbox) ended it.
   */
  public int exitCode() {
    return exitCode;
  }

  /** The signal that ended the program, or 0 when it exited by itself. */
  public int signal() {
    return signal;
  }

  /** Time from the program's {@code execve} to its end, measured by the helper. */
  public long wallTimeMicros() {
    return wallTimeMicros;
  }

  public Duration wallTime() {
    return Duration.ofNanos(wallTimeMicros * 1000);
  }

  /**
   * What the sandbox's processes used, from its own cgroup; empty when the run had no
   * cgroup (none available to this user and no limit that needs one).
   */
  public Optional<ResourceUsage> usage() {
    return Optional.ofNullable(usage);
  }

  /**
   * The syscall whose call ended a {@link Termination#SECCOMP_VIOLATION} run, e.g.
   * {@code ptrace}; {@code "unknown"} where the kernel could not report it.
   */
  public Optional<String> seccompViolation() {
    return Optional.ofNullable(seccompViolation);
  }

  /**
   * The {@code /proc} view the program had: {@link ProcView#STATIC} where a live view was
   * wanted automatically but could not be served (no FUSE, no run cgroup, the FUSE mount
   * refused), {@link ProcView#OFF} without one.
   */
  public ProcView procView() {
    return procView;
  }

  /**
   * The limits this run was asked for but ran without, each naming the limit and why (e.g.
   * {@code memoryLimit(64 MiB): not enforced: ...}); empty unless the sandbox allowed that
   * ({@link Sandbox.Builder#allowUnenforcedLimits()}). Otherwise such a limit fails the launch.
   */
  public List<String> unenforcedLimits() {
    return unenforcedLimits;
  }

  /** True when the program exited by itself with status 0. */
  public boolean succeeded() {
    return termination == Termination.EXITED && exitCode == 0;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SandboxResult)) {
      return false;
    }
    SandboxResult r = (SandboxResult) o;
    return termination == r.termination && exitCode == r.exitCode && signal == r.signal
        && wallTimeMicros == r.wallTimeMicros && Objects.equals(usage, r.usage)
        && Objects.equals(seccompViolation, r.seccompViolation) && procView == r.procView
        && unenforcedLimits.equals(r.unenforcedLimits);
  }

  @Override
  public int hashCode() {
    return Objects.hash(termination, exitCode, signal, wallTimeMicros, usage, seccompViolation, procView,
        unenforcedLimits);
  }

  @Override
  public String toString() {
    return "SandboxResult{" + termination + ", exitCode=" + exitCode
        + (signal != 0 ? ", signal=" + signal : "") + ", wallTime=" + wallTimeMicros + "us"
        + (seccompViolation != null ? ", syscall=" + seccompViolation : "")
        + (usage != null ? ", " + usage : "") + (procView != ProcView.OFF ? ", procView=" + procView : "")
        + (unenforcedLimits.isEmpty() ? "" : ", NOT ENFORCED: " + String.join("; ", unenforcedLimits)) + "}";
  }

  /** Assembles a {@link SandboxResult}. */
  public static final class Builder {
    private final Termination termination;
    private int exitCode;
    private int signal;
    private long wallTimeMicros;
    private ResourceUsage usage;
    private String seccompViolation;
    private ProcView procView = ProcView.OFF;
    private List<String> unenforcedLimits = List.of();

    private Builder(Termination termination) {
      this.termination = requireNonNull(termination, "termination");
    }

    public Builder exitCode(int exitCode) {
      checkArgument(exitCode >= 0 && exitCode <= 255 + 128, "exitCode out of range: %s", exitCode);
      this.exitCode = exitCode;
      return this;
    }

    public Builder signal(int signal) {
      checkArgument(signal >= 0 && signal <= 64, "signal out of range: %s", signal);
      this.signal = signal;
      return this;
    }

    public Builder wallTimeMicros(long micros) {
      checkArgument(micros >= 0, "wallTimeMicros must not be negative: %s", micros);
      this.wallTimeMicros = micros;
      return this;
    }

    public Builder usage(ResourceUsage value) {
      usage = value;
      return this;
    }

    public Builder seccompViolation(String syscall) {
      seccompViolation = requireNonNull(syscall);
      return this;
    }

    public Builder procView(ProcView value) {
      procView = requireNonNull(value);
      return this;
    }

    /** The limits the run was asked for but ran without, each with the reason. */
    public Builder unenforcedLimits(List<String> limits) {
      unenforcedLimits = ImmutableList.copyOf(limits);
      return this;
    }

    public SandboxResult build() {
      return new SandboxResult(this);
    }
  }
}
