/**
 * Admission: the one gate a library file passes to become a version ({@link
 * dev.reload.core.internal.admission.Admission}). Trust ({@link
 * dev.reload.core.internal.admission.TrustPolicy}), a private copy in the shadow store ({@link
 * dev.reload.core.internal.admission.ShadowStore}, under a checked {@code ShadowRoot}), the ELF
 * checks ({@code ElfCheck}, reading the file through {@code ElfFile}) and the preflight probe
 * process ({@link dev.reload.core.internal.admission.Preflight}, whose child, started by {@code
 * ProbeProcess}, runs {@link dev.reload.core.internal.admission.ProbeMain}).
 *
 * <p>Invariants: the source file is never mapped, only a uniquely named copy whose bytes were
 * hashed as they were copied; every refusal is a {@link
 * dev.reload.core.internal.admission.StepFailure} naming its step and a reason a person can act
 * on, and leaves nothing on disk; a crash or hang of a build's code in the probe costs the probe,
 * never the server.
 *
 * <p>Seam: {@code Admission.admit(plugin, source)} takes the plugin's settings and a {@code
 * NewFile} or a {@code RetainedCopy}, and returns an {@code Admitted} copy that the engine core
 * then loads and owns, or {@code Unchanged}. Nothing here loads a library into the server, holds
 * a lease, or changes a version: it reads the plugin's settings and the facts of the version
 * serving ({@link dev.reload.PluginVersion}).
 */
package dev.reload.core.internal.admission;
