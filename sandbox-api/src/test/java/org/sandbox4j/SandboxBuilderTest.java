package org.sandbox4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import org.junit.jupiter.api.Test;

class SandboxBuilderTest {

  @Test
  void strictPresetTurnsEverythingOnWithTheHostDerivedRoot() {
    Sandbox sandbox = Sandbox.builder().strict().build();
    assertThat(sandbox.namespaces()).isEqualTo(EnumSet.allOf(Namespace.class));
    assertThat(sandbox.rootFilesystem()).contains(RootFilesystem.hostDerived());
    assertThat(sandbox.mountsProc()).isTrue();
    assertThat(sandbox.mountsDev()).isTrue();
    assertThat(sandbox.tmpSize()).contains(Sandbox.DEFAULT_TMP_SIZE);
  }

  @Test
  void strictPresetKeepsAnExplicitRoot() {
    Sandbox sandbox = Sandbox.builder().strict().rootfs(Path.of("/srv/rootfs")).build();
    assertThat(sandbox.rootFilesystem().orElseThrow().directory()).contains(Path.of("/srv/rootfs"));
    assertThat(sandbox.rootFilesystem().orElseThrow().access()).isEqualTo(Access.READ_ONLY);
  }

  @Test
  void theDesignCardShapeWorksAsWritten() {
    Sandbox sandbox = Sandbox.builder().pidNamespace().rootfs(Path.of("/srv/rootfs")).build();
    // A root needs the mount namespace, so asking for one turns it on, visibly.
    assertThat(sandbox.namespaces()).containsExactlyInAnyOrder(Namespace.PID, Namespace.MOUNT);
    assertThat(sandbox.describe()).contains("[x] mount namespace").contains("[ ] network namespace");
  }

  @Test
  void optionsTurnOnTheNamespaceTheyNeed() {
    assertThat(Sandbox.builder().hostname("box").build().namespaces()).containsExactly(Namespace.UTS);
    assertThat(Sandbox.builder().hostRootfs().mountProc().build().namespaces())
        .containsExactlyInAnyOrder(Namespace.PID, Namespace.MOUNT);
    assertThat(Sandbox.builder().uidMapping(IdMapping.of(0, 1000, 1)).gidMapping(IdMapping.of(0, 1000, 1))
        .build().namespaces()).containsExactly(Namespace.USER);
  }

  @Test
  void describeSaysWhatIsNotIsolated() {
    String text = Sandbox.builder().build().describe();
    for (Namespace ns : Namespace.values()) {
      assertThat(text).contains("[ ] " + ns.title() + ": " + ns.whenNotApplied());
    }
    assertThat(text).contains("[ ] root: the host's own file system tree").contains("[ ] wall-time limit: none");
  }

  @Test
  void settingAnOptionTwiceIsAnError() {
    assertThatThrownBy(() -> Sandbox.builder().hostname("a").hostname("b"))
        .isInstanceOf(IllegalStateException.class).hasMessage("hostname was already set to \"a\"");
    assertThatThrownBy(() -> Sandbox.builder().hostRootfs().rootfs(Path.of("/x")))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("root file system was already set");
    assertThatThrownBy(() -> Sandbox.builder().wallTimeLimit(Duration.ofSeconds(1)).wallTimeLimit(Duration.ofSeconds(2)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("wallTimeLimit was already set to PT1S");
  }

  @Test
  void badValuesNameTheOptionAndTheValue() {
    assertThatThrownBy(() -> Sandbox.builder().wallTimeLimit(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("wallTimeLimit must be positive, was PT-1S");
    assertThatThrownBy(() -> Sandbox.builder().wallTimeLimit(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("wallTimeLimit must be positive, was PT0S");
    assertThatThrownBy(() -> Sandbox.builder().hostname(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("hostname \"\" must be 1 to 64 bytes");
    assertThatThrownBy(() -> Sandbox.builder().hostname("a b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("printable ASCII");
    assertThatThrownBy(() -> Sandbox.builder().workingDirectory("work"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("workingDirectory: \"work\" is not a valid path inside the sandbox: must be absolute (start with /)");
    assertThatThrownBy(() -> Sandbox.builder().bindMount(Path.of("/data"), "/a/../etc"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bind target: \"/a/../etc\"").hasMessageContaining("\"..\" component");
    assertThatThrownBy(() -> Sandbox.builder().bindMount(Path.of("data"), "/data"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bind source: host path \"data\" must be absolute");
    assertThatThrownBy(() -> Sandbox.builder().tmpfs("/scratch", DataSize.ofBytes(0)))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("tmpfs /scratch: size must be positive, was 0 B");
    assertThatThrownBy(() -> Sandbox.builder().bindMount(Path.of("/data"), "/"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"/\" is the root");
    assertThatThrownBy(() -> Sandbox.builder().runAs(-1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("runAs: uid -1 out of range 0..4294967294");
  }

  @Test
  void conflictsAreFoundAtBuild() {
    assertThatThrownBy(() -> Sandbox.builder().tmpfs("/scratch", DataSize.ofMebibytes(1)).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("need a root file system").hasMessageContaining("tmpfs /scratch (1 MiB)");
    assertThatThrownBy(() -> Sandbox.builder().strict().tmpfs("/tmp", DataSize.ofMebibytes(1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("conflicts with the standard /tmp mount");
    assertThatThrownBy(() -> Sandbox.builder().hostRootfs().bindMount(Path.of("/a"), "/x").bindMount(Path.of("/b"), "/x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("mount target /x is already used");
    assertThatThrownBy(() -> Sandbox.builder().uidMapping(IdMapping.of(0, 1000, 1)).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("give both or neither");
    assertThatThrownBy(() -> Sandbox.builder().uidMapping(IdMapping.of(0, 1000, 1)).gidMapping(IdMapping.of(0, 1000, 1))
        .runAs(5, 5).build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("runAs uid 5 is not mapped");
  }

  @Test
  void commandsValidateTheirParts() {
    Sandbox sandbox = Sandbox.builder().build();
    assertThatThrownBy(() -> sandbox.command())
        .isInstanceOf(IllegalArgumentException.class).hasMessage("command must name a program");
    assertThatThrownBy(() -> sandbox.command("a\0b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("command argument 0 contains a NUL character");
    assertThatThrownBy(() -> sandbox.command("true").env("A=B", "c"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"A=B\" must be non-empty, without =");
    assertThatThrownBy(() -> sandbox.command("true").redirectOutput(Redirect.from(Path.of("/x").toFile())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redirectOutput").hasMessageContaining("input redirect");
    assertThatThrownBy(() -> sandbox.command("true").redirectInput(Redirect.DISCARD))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("redirectInput");
  }

  @Test
  void theEnvironmentStartsEmpty() {
    SandboxCommand command = Sandbox.builder().build().command("env");
    assertThat(command.environment()).isEmpty();
    command.env("LANG", "C.UTF-8");
    assertThat(command.environment()).containsExactly(java.util.Map.entry("LANG", "C.UTF-8"));
  }

  @Test
  void aSandboxIsReusableAndImmutable() {
    Sandbox.Builder builder = Sandbox.builder().hostRootfs();
    Sandbox first = builder.build();
    builder.bindMount(Path.of("/data"), "/data");
    assertThat(first.mounts()).isEmpty();
    assertThat(builder.build().mounts()).hasSize(1);
  }

  @Test
  void shareNamespaceLoosensOnePartOfAPresetInAnyOrder() {
    Sandbox before = Sandbox.builder().shareNamespace(Namespace.NETWORK).strict().build();
    Sandbox after = Sandbox.builder().strict().shareNamespace(Namespace.NETWORK).build();
    assertThat(before.namespaces()).isEqualTo(after.namespaces())
        .isEqualTo(EnumSet.complementOf(EnumSet.of(Namespace.NETWORK)));
    assertThat(after.describe()).contains("[ ] network namespace: the program shares the host's network");
    assertThat(after.mountsProc()).isTrue();
  }

  @Test
  void sharingANamespaceAnOptionNeedsIsRefused() {
    assertThatThrownBy(() -> Sandbox.builder().strict().shareNamespace(Namespace.MOUNT).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a root file system needs the mount namespace, but shareNamespace(MOUNT) shares it with the host");
    assertThatThrownBy(() -> Sandbox.builder().networkNamespace().shareNamespace(Namespace.NETWORK))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("turned on explicitly");
    assertThatThrownBy(() -> Sandbox.builder().shareNamespace(Namespace.UTS).hostname("box").build())
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("hostname(\"box\") needs the UTS namespace");
    // Sharing the PID namespace drops the strict preset's fresh /proc rather than failing.
    Sandbox sharedPids = Sandbox.builder().strict().shareNamespace(Namespace.PID).build();
    assertThat(sharedPids.mountsProc()).isFalse();
    assertThat(sharedPids.namespaces()).doesNotContain(Namespace.PID);
  }

  @Test
  void strictDefaultsGiveWayToExplicitOptionsGivenAfterIt() {
    Sandbox sandbox = Sandbox.builder().strict().mountTmp(DataSize.ofMebibytes(8)).build();
    assertThat(sandbox.tmpSize()).contains(DataSize.ofMebibytes(8));
    assertThat(Sandbox.builder().mountTmp(DataSize.ofMebibytes(8)).strict().build().tmpSize())
        .contains(DataSize.ofMebibytes(8));
  }

  @Test
  void describeNamesHostnameDirectoryAndIdentity() {
    String text = Sandbox.builder().strict().hostname("judge").workingDirectory("/tmp").runAs(1000, 100).build()
        .describe();
    assertThat(text).contains("hostname: judge").contains("working directory: /tmp")
        .contains("runs as uid 1000, gid 100 inside the user namespace");
  }

  @Test
  void aUtsNamespaceHidesTheHostsNameByDefault() {
    assertThat(Sandbox.builder().utsNamespace().build().hostname()).contains(Sandbox.DEFAULT_HOSTNAME);
    assertThat(Sandbox.builder().strict().build().describe()).contains("hostname: sandbox");
    assertThat(Sandbox.builder().build().hostname()).isEmpty();
    assertThat(Sandbox.builder().hostname("judge").build().hostname()).contains("judge");
  }

  @Test
  void strictTurnsOnTheTimeNamespaceToo() {
    assertThat(Sandbox.builder().strict().build().namespaces()).contains(Namespace.TIME);
    assertThat(Sandbox.builder().strict().shareNamespace(Namespace.TIME).build().namespaces())
        .doesNotContain(Namespace.TIME);
  }

  @Test
  void theProcViewIsAutomaticUnlessChosen() {
    Sandbox limited = Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(64)).build();
    assertThat(limited.procView()).isEmpty();
    assertThat(limited.describe()).contains("[x] /proc view: automatic");
    assertThat(Sandbox.builder().strict().build().describe())
        .contains("[ ] /proc view: off (no memory or CPU limit to show)");
    assertThat(Sandbox.builder().strict().memoryLimit(DataSize.ofMebibytes(64)).procView(ProcView.OFF).build()
        .describe()).contains("[ ] /proc view: off: /proc shows the host's");
  }

  @Test
  void aChosenViewNeedsTheSandboxsOwnProcAndBringsACgroupNamespace() {
    Sandbox live = Sandbox.builder().hostRootfs().mountProc().procView(ProcView.STATIC).build();
    assertThat(live.namespaces()).contains(Namespace.CGROUP);
    assertThat(live.procView()).contains(ProcView.STATIC);
    assertThatThrownBy(() -> Sandbox.builder().hostRootfs().procView(ProcView.LIVE).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("procView(LIVE) shows the sandbox's limits in its own /proc: add mountProc() (or strict())");
    assertThatThrownBy(() -> Sandbox.builder().strict().shareNamespace(Namespace.CGROUP).procView(ProcView.LIVE)
        .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("procView(LIVE) needs the cgroup namespace");
    assertThat(Sandbox.builder().hostRootfs().procView(ProcView.OFF).build().namespaces())
        .doesNotContain(Namespace.CGROUP);
  }

  @Test
  void theProcViewIsChosenOnce() {
    assertThatThrownBy(() -> Sandbox.builder().procView(ProcView.LIVE).procView(ProcView.OFF))
        .isInstanceOf(IllegalStateException.class).hasMessage("procView was already set to LIVE");
    assertThatThrownBy(() -> Sandbox.builder().procView(null)).isInstanceOf(NullPointerException.class);
  }
}
