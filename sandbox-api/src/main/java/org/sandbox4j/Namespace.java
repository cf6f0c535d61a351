package org.sandbox4j;

/** The Linux namespaces a {@link Sandbox} can give its program. */
public enum Namespace {
  PID("PID namespace", "the program sees only its own processes; the sandbox's init is pid 1",
      "the program sees and can signal every process of the host it has permission for"),
  MOUNT("mount namespace", "the program has its own mount table; mounts never reach the host",
      "the program sees the host's file system tree"),
  UTS("UTS namespace", "the program has its own hostname",
      "the program sees the host's hostname"),
  IPC("IPC namespace", "System V IPC and POSIX message queues are the sandbox's own",
      "the program shares System V IPC and message queues with the host"),
  NETWORK("network namespace", "the program has only a loopback interface: nothing outside is reachable",
      "the program shares the host's network: it can open connections and listen"),
  USER("user namespace", "ids are mapped; capabilities hold only inside the sandbox",
      "the program's uid and capabilities are those of the host"),
  CGROUP("cgroup namespace", "the program sees its own cgroup as the root of the hierarchy",
      "the program sees the host's cgroup paths"),
  TIME("time namespace", "the boot-time clock starts at the sandbox's start: uptime and process start times are"
      + " the sandbox's own",
      "the program sees how long the host has been up");

  private final String title;
  private final String whenApplied;
  private final String whenNotApplied;

  Namespace(String title, String whenApplied, String whenNotApplied) {
    this.title = title;
    this.whenApplied = whenApplied;
    this.whenNotApplied = whenNotApplied;
  }

  /** A human name, e.g. {@code "PID namespace"}. */
  public String title() {
    return title;
  }

  /** What the namespace gives the program, in words. */
  public String whenApplied() {
    return whenApplied;
  }

  /** What the program can do when the namespace is not applied, in words. */
  public String whenNotApplied() {
    return whenNotApplied;
  }
}
