package org.sandbox4j.linux;

import org.sandbox4j.Sandbox;
import org.sandbox4j.SandboxProcess;

/** Run in its own JVM by {@link JvmDeathTest}: starts a sandbox, says so, then waits to be killed. */
public final class JvmDeathChild {
  private JvmDeathChild() {}

  public static void main(String[] args) throws Exception {
    String marker = args[0];
    boolean pidNamespace = Boolean.parseBoolean(args[1]);
    Sandbox.Builder builder = Sandbox.builder();
    Sandbox sandbox = (pidNamespace ? builder.strict() : builder).build();
    SandboxProcess process = sandbox.command("/bin/sh", "-c",
        "(setsid sleep " + marker + " > /dev/null 2>&1 &); sleep " + marker).start();
    System.out.println("started " + process.pid());
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
