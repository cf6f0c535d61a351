package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What the sandbox's processes used, read from its own cgroup: never the JVM's or the
 * helper's share. CPU times are the kernel's precise counters, not tick samples. Immutable.
 */
public final class ResourceUsage {
  private final long cpuUserMicros;
  private final long cpuSystemMicros;
  private final long memoryBytes;
  private final long peakMemoryBytes;
  private final long oomKills;
  private final long pids;
  private final long pidsPeak;
  private final long pidsLimitHits;
  private final long ioReadBytes;
  private final long ioWriteBytes;

  private ResourceUsage(Builder b) {
    this.cpuUserMicros = b.cpuUserMicros;
    this.cpuSystemMicros = b.cpuSystemMicros;
    this.memoryBytes = b.memoryBytes;
    this.peakMemoryBytes = b.peakMemoryBytes;
    this.oomKills = b.oomKills;
    this.pids = b.pids;
    this.pidsPeak = b.pidsPeak;
    this.pidsLimitHits = b.pidsLimitHits;
    this.ioReadBytes = b.ioReadBytes;
    this.ioWriteBytes = b.ioWriteBytes;
  }

  /** For providers. */
  public static Builder builder() {
    return new Builder();
  }

  /** CPU time in user mode of all the sandbox's processes, in microseconds. */
  public long cpuUserMicros() {
    return cpuUserMicros;
  }

  /** CPU time in the kernel on behalf of all the sandbox's processes, in microseconds. */
  public long cpuSystemMicros() {
    return cpuSystemMicros;
  }

  public long cpuTotalMicros() {
    return cpuUserMicros + cpuSystemMicros;
  }

  /** Memory charged to the sandbox now (at the end: what remained, usually page cache). */
  public long memoryBytes() {
    return memoryBytes;
  }

  /**
   * The most memory charged to the sandbox at once; empty where the kernel keeps no peak
   * (cgroup v2 before Linux 5.19).
   */
  public OptionalLong peakMemoryBytes() {
    return peakMemoryBytes < 0 ? OptionalLong.empty() : OptionalLong.of(peakMemoryBytes);
  }

  /** Processes the kernel's OOM killer killed in the sandbox. */
  public long oomKills() {
    return oomKills;
  }

  /** Processes and threads alive in the sandbox now. */
  public long pids() {
    return pids;
  }

  /** The most processes and threads alive at once; empty where the kernel keeps no peak. */
  public OptionalLong pidsPeak() {
    return pidsPeak < 0 ? OptionalLong.empty() : OptionalLong.of(pidsPeak);
  }

  /** How often a fork or clone failed because the pids limit was reached. */
  public long pidsLimitHits() {
    return pidsLimitHits;
  }

  /** Bytes read from block devices (not page-cache hits). */
  public long ioReadBytes() {
    return ioReadBytes;
  }

  /** Bytes written to block devices as the cgroup sees them (direct I/O; see the docs). */
  public long ioWriteBytes() {
    return ioWriteBytes;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ResourceUsage)) {
      return false;
    }
    ResourceUsage u = (ResourceUsage) o;
    return cpuUserMicros == u.cpuUserMicros && cpuSystemMicros == u.cpuSystemMicros
        && memoryBytes == u.memoryBytes && peakMemoryBytes == u.peakMemoryBytes && oomKills == u.oomKills
        && pids == u.pids && pidsPeak == u.pidsPeak && pidsLimitHits == u.pidsLimitHits
        && ioReadBytes == u.ioReadBytes && ioWriteBytes == u.ioWriteBytes;
  }

  @Override
  public int hashCode() {
    return Objects.hash(cpuUserMicros, cpuSystemMicros, memoryBytes, peakMemoryBytes, oomKills, pids, pidsPeak,
        pidsLimitHits, ioReadBytes, ioWriteBytes);
  }

  @Override
  public String toString() {
    return "ResourceUsage{cpu=" + cpuUserMicros + "us user + " + cpuSystemMicros + "us system"
        + ", memory=" + memoryBytes + (peakMemoryBytes >= 0 ? ", peakMemory=" + peakMemoryBytes : "")
        + ", oomKills=" + oomKills + ", pids=" + pids + (pidsPeak >= 0 ? ", pidsPeak=" + pidsPeak : "")
        + ", pidsLimitHits=" + pidsLimitHits + ", io=" + ioReadBytes + " read/" + ioWriteBytes + " written}";
  }

  /** Assembles a {@link ResourceUsage}; for providers. Absent peaks are -1. */
  public static final class Builder {
    private long cpuUserMicros;
    private long cpuSystemMicros;
    private long memoryBytes;
    private long peakMemoryBytes = -1;
    private long oomKills;
    private long pids;
    private long pidsPeak = -1;
    private long pidsLimitHits;
    private long ioReadBytes;
    private long ioWriteBytes;

    private Builder() {}

    private static long nonNegative(String what, long value) {
      checkArgument(value >= 0, "%s must not be negative: %s", what, value);
      return value;
    }

    public Builder cpuUserMicros(long v) {
      cpuUserMicros = nonNegative("cpuUserMicros", v);
      return this;
    }

    public Builder cpuSystemMicros(long v) {
      cpuSystemMicros = nonNegative("cpuSystemMicros", v);
      return this;
    }

    public Builder memoryBytes(long v) {
      memoryBytes = nonNegative("memoryBytes", v);
      return this;
    }

    public Builder peakMemoryBytes(long v) {
      peakMemoryBytes = nonNegative("peakMemoryBytes", v);
      return this;
    }

    public Builder oomKills(long v) {
      oomKills = nonNegative("oomKills", v);
      return this;
    }

    public Builder pids(long v) {
      pids = nonNegative("pids", v);
      return this;
    }

    public Builder pidsPeak(long v) {
      pidsPeak = nonNegative("pidsPeak", v);
      return this;
    }

    public Builder pidsLimitHits(long v) {
      pidsLimitHits = nonNegative("pidsLimitHits", v);
      return this;
    }

    public Builder ioReadBytes(long v) {
      ioReadBytes = nonNegative("ioReadBytes", v);
      return this;
    }

    public Builder ioWriteBytes(long v) {
      ioWriteBytes = nonNegative("ioWriteBytes", v);
      return this;
    }

    public ResourceUsage build() {
      return new ResourceUsage(this);
    }
  }
}
