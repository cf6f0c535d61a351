package org.sandbox4j;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.collect.ImmutableList;
import com.google.common.collect.ImmutableMap;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One run of a program under a {@link Sandbox}: its arguments, environment, working
 * directory and stdio, like a {@link ProcessBuilder}. The environment starts empty: nothing
 * of the host's environment leaks in unless given here. Not thread-safe; reusable.
 */
public final class SandboxCommand {
  /** The kernel's bound on one argument or environment string (MAX_ARG_STRLEN less the NUL). */
  public static final int MAX_STRING_BYTES = 131071;
  /** The helper's bound on the number of arguments, and of environment entries. */
  public static final int MAX_STRINGS = 4096;

  private final Sandbox sandbox;
  private final List<String> command;
  private final Map<String, String> environment = new LinkedHashMap<>();
  private String directory;
  private Redirect stdin = Redirect.PIPE;
  private Redirect stdout = Redirect.PIPE;
  private Redirect stderr = Redirect.PIPE;
  private boolean redirectErrorStream;

  SandboxCommand(Sandbox sandbox, List<String> command) {
    this.sandbox = requireNonNull(sandbox);
    requireNonNull(command, "command");
    checkArgument(!command.isEmpty(), "command must name a program");
    checkArgument(command.size() <= MAX_STRINGS, "command has %s arguments, at most %s", command.size(), MAX_STRINGS);
    for (int i = 0; i < command.size(); i++) {
      String arg = requireNonNull(command.get(i), "command argument " + i);
      checkString("command argument " + i, arg);
    }
    checkArgument(!command.get(0).isEmpty(), "command: the program name must not be empty");
    this.command = ImmutableList.copyOf(command);
  }

  private static void checkString(String what, String value) {
    checkArgument(value.indexOf('\0') < 0, "%s contains a NUL character", what);
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    checkArgument(bytes <= MAX_STRING_BYTES, "%s is %s bytes long, at most %s", what, bytes, MAX_STRING_BYTES);
  }

  /** Sets environment variable {@code name} for the program. */
  public SandboxCommand env(String name, String value) {
    requireNonNull(name, "name");
    requireNonNull(value, "value of " + name);
    checkArgument(!name.isEmpty() && name.indexOf('=') < 0 && name.indexOf('\0') < 0,
        "environment variable name \"%s\" must be non-empty, without = or NUL", name);
    checkString("environment variable " + name, name + "=" + value);
    checkArgument(environment.size() < MAX_STRINGS || environment.containsKey(name),
        "at most %s environment variables", MAX_STRINGS);
    environment.put(name, value);
    return this;
  }

  /** Sets every variable of {@code variables}, in iteration order. */
  public SandboxCommand environment(Map<String, String> variables) {
    requireNonNull(variables, "variables").forEach(this::env);
    return this;
  }

  /** Overrides the sandbox's working directory for this run (a path inside). */
  public SandboxCommand directory(String directory) {
    this.directory = InsidePath.check("directory", directory);
    return this;
  }

  /** Where stdin comes from: {@code PIPE} (default), {@code INHERIT} or a file ({@code Redirect.from}). */
  public SandboxCommand redirectInput(Redirect redirect) {
    requireNonNull(redirect, "redirect");
    checkArgument(redirect.type() != Redirect.Type.WRITE && redirect.type() != Redirect.Type.APPEND,
        "redirectInput: %s is an output redirect; use Redirect.from(file)", redirect);
    stdin = redirect;
    return this;
  }

  /** Where stdout goes: {@code PIPE} (default), {@code INHERIT}, {@code DISCARD} or a file. */
  public SandboxCommand redirectOutput(Redirect redirect) {
    stdout = checkOutput("redirectOutput", redirect);
    return this;
  }

  /** Where stderr goes: {@code PIPE} (default), {@code INHERIT}, {@code DISCARD} or a file. */
  public SandboxCommand redirectError(Redirect redirect) {
    stderr = checkOutput("redirectError", redirect);
    return this;
  }

  /** Sends stderr where stdout goes, as {@link ProcessBuilder#redirectErrorStream(boolean)}. */
  public SandboxCommand redirectErrorStream(boolean merge) {
    redirectErrorStream = merge;
    return this;
  }

  private Redirect checkOutput(String option, Redirect redirect) {
    requireNonNull(redirect, "redirect");
    checkArgument(redirect.type() == Redirect.Type.PIPE || sandbox.limits().output().isEmpty(),
        "%s: %s cannot be counted for the sandbox's outputLimit(%s): keep the pipe, or limit files with "
            + "rlimit(FSIZE, ...)", option, redirect, sandbox.limits().output().orElse(null));
    checkArgument(redirect.type() != Redirect.Type.READ,
        "%s: %s is an input redirect; use Redirect.to(file) or appendTo(file)", option, redirect);
    return redirect;
  }

  public Sandbox sandbox() {
    return sandbox;
  }

  public List<String> command() {
    return command;
  }

  /** The environment the program gets, exactly. */
  public Map<String, String> environment() {
    return ImmutableMap.copyOf(environment);
  }

  /** The working directory override; empty means the sandbox's. */
  public Optional<String> directory() {
    return Optional.ofNullable(directory);
  }

  public Redirect stdin() {
    return stdin;
  }

  public Redirect stdout() {
    return stdout;
  }

  public Redirect stderr() {
    return stderr;
  }

  public boolean redirectErrorStream() {
    return redirectErrorStream;
  }

  /** The complete plan this run would carry out; nothing is started. */
  public LaunchPlan plan() throws SandboxLaunchException {
    return Providers.get().plan(sandbox, this);
  }

  /**
   * Starts the program. Returns once it runs ({@code execve} succeeded); a setup failure
   * throws, naming the stage, the path as seen inside and the errno.
   */
  public SandboxProcess start() throws SandboxLaunchException {
    var provider = Providers.get();
    return new SandboxProcess(provider.start(provider.plan(sandbox, this)));
  }

  /**
   * Runs the program to its end, closing its stdin (when a pipe) and capturing stdout and
   * stderr (when pipes) in memory. For output of unbounded size use {@link #start()} and
   * read the streams.
   */
  public CompletedRun run() throws IOException, InterruptedException {
    try (SandboxProcess process = start()) {
      process.getOutputStream().close();
      ErrorReader errors = redirectErrorStream ? null : new ErrorReader(process.getErrorStream());
      byte[] out = process.getInputStream().readAllBytes();
      byte[] err = errors == null ? new byte[0] : errors.await();
      SandboxResult result = process.waitForResult();
      return new CompletedRun(result, out, err);
    }
  }

  /** Drains stderr on its own short-lived thread while the caller drains stdout. */
  private static final class ErrorReader extends Thread {
    private final InputStream in;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private IOException failure;

    ErrorReader(InputStream in) {
      super("sandbox4j-stderr-reader");
      this.in = in;
      setDaemon(true);
      start();
    }

    @Override
    public void run() {
      try {
        in.transferTo(bytes);
      } catch (IOException e) {
        failure = e;
      }
    }

    byte[] await() throws InterruptedException {
      join();
      if (failure != null) {
        throw new UncheckedIOException("reading the program's stderr failed", failure);
      }
      return bytes.toByteArray();
    }
  }
}
