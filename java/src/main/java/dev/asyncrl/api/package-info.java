/**
 * asyncrl as a library: the supported Java API. Everything outside this package is internal and
 * may change between versions.
 *
 * <p>Train one of the paper's four methods on an environment of your own or a built-in one, watch
 * the metrics as they come, then act with the trained policy or export it to ONNX:
 *
 * <pre>{@code
 * try (TrainingResult result = Training.a3c()
 *         .environment(GridWorld::new)   // one instance per actor-learner thread
 *         .threads(2).steps(100_000).seed(1)
 *         .hidden(32).lr(1e-3)
 *         .listener(row -> System.out.println(row))
 *         .train()) {
 *     Policy policy = result.policy();
 *     int action = policy.act(observation);   // greedy
 *     policy.exportOnnx(Path.of("gridworld.onnx"));
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.asyncrl.api.Training}: the builder; {@code train()} runs the same trainer as
 *       {@code asyncrl train}. Hyperparameters not set come from the built-in environment's preset,
 *       or the paper's values for an environment of your own.
 *   <li>{@link dev.asyncrl.api.Environment} and {@link dev.asyncrl.api.StepResult}: what an
 *       environment of your own implements; nothing is allocated per step.
 *   <li>{@link dev.asyncrl.api.TrainingListener} and {@link dev.asyncrl.api.Metrics}: a metrics row
 *       every {@code reportEvery} global steps.
 *   <li>{@link dev.asyncrl.api.TrainingResult} and {@link dev.asyncrl.api.Policy}: the summary
 *       figures and the trained policy (greedy or sampled actions, LSTM state carried, ONNX export).
 * </ul>
 *
 * <p>A bad value throws IllegalArgumentException with one line saying what is wrong. Kernels are
 * chosen as {@code --kernel} chooses them: {@code auto} (the default: the fastest native kernel
 * that loads on this machine, else the pure-Java one), {@code java}, a built-in name or the path of
 * a kernel library.
 */
package dev.asyncrl.api;
