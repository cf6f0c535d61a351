package org.sandbox4j;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import java.util.List;

/**
 * What this host offers sandboxes, for this user, checked now: each namespace, the cgroup
 * version and its controllers, kernel features, and restrictions met, each with its
 * outcome and, when something is missing, the remedy. From {@link Sandbox#doctor()}.
 */
public final class HostReport {
  /** The outcome of one check. */
  public enum Status {
    /** Available. */
    PASS,
    /** Available with a limitation the detail names. */
    WARN,
    /** Not available: features that need it fail closed; the remedy says what to do. */
    FAIL,
    /** A fact about the host, neither good nor bad. */
    INFO
  }

  /** One check: what, its outcome, the facts behind it, and the remedy when it is not a pass. */
  public static final class Check {
    private final String name;
    private final Status status;
    private final String detail;
    private final String remedy;

    public Check(String name, Status status, String detail, String remedy) {
      this.name = requireNonNull(name);
      this.status = requireNonNull(status);
      this.detail = requireNonNull(detail);
      this.remedy = requireNonNull(remedy);
    }

    public String name() {
      return name;
    }

    public Status status() {
      return status;
    }

    public String detail() {
      return detail;
    }

    /** What to do about a WARN or FAIL; empty for PASS and INFO. */
    public String remedy() {
      return remedy;
    }

    @Override
    public String toString() {
      return String.format("%-4s %-32s %s%s", status, name, detail, remedy.isEmpty() ? "" : "\n     remedy: " + remedy);
    }
  }

  private final List<Check> checks;

  /** For providers. */
  public HostReport(List<Check> checks) {
    this.checks = ImmutableList.copyOf(checks);
  }

  public List<Check> checks() {
    return checks;
  }

  /** Whether no check failed. */
  public boolean healthy() {
    return checks.stream().noneMatch(c -> c.status() == Status.FAIL);
  }

  /** One line per check, then its remedy when it has one. */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Check c : checks) {
      s.append(c).append('\n');
    }
    return s.toString();
  }
}
