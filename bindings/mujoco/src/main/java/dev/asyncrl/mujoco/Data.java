package dev.asyncrl.mujoco;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;

import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;

/**
 * One simulation state (mjData) of a {@link Model}: one per environment, used by one thread. The
 * arrays are MuJoCo's own memory, seen through segments taken once at construction, so stepping
 * and reading allocate nothing. Freed by {@link #close()}, or when it becomes unreachable.
 */
public final class Data implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Model model;
    private final MemorySegment mPtr;
    private final MemorySegment ptr;
    private final Cleaner.Cleanable cleanable;
    /** Positions (nq), velocities (nv) and controls (nu), writable. */
    public final MemorySegment qpos, qvel, ctrl;
    /** Bodies' frames (nbody×3, nbody×4), centres of mass (nbody×3), com-based inertia (nbody×10) and velocity (nbody×6). */
    public final MemorySegment xpos, xquat, xipos, cinert, cvel;
    /** Geoms' world positions (ngeom×3) and orientations (ngeom×9, row-major); sites' positions (nsite×3). */
    public final MemorySegment geomXpos, geomXmat, siteXpos;
    /** Actuator and constraint forces in joint space (nv); external forces on bodies, com-based (nbody×6). */
    public final MemorySegment qfrcActuator, qfrcConstraint, cfrcExt;

    public Data(Model model) {
        this.model = model;
        this.mPtr = model.ptr();
        MemorySegment raw;
        try {
            raw = (MemorySegment) MuJoCo.Fn.MAKE_DATA.invokeExact(mPtr);
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
        if (raw.equals(MemorySegment.NULL)) throw new IllegalStateException("mj_makeData failed for " + model.name());
        ptr = raw.reinterpret(Layout.DATA_BYTES);
        cleanable = CLEANER.register(this, new Free(raw.address()));
        qpos = array(Layout.D_QPOS, model.nq);
        qvel = array(Layout.D_QVEL, model.nv);
        ctrl = array(Layout.D_CTRL, model.nu);
        xpos = array(Layout.D_XPOS, model.nbody * 3L);
        xquat = array(Layout.D_XQUAT, model.nbody * 4L);
        xipos = array(Layout.D_XIPOS, model.nbody * 3L);
        cinert = array(Layout.D_CINERT, model.nbody * 10L);
        cvel = array(Layout.D_CVEL, model.nbody * 6L);
        geomXpos = array(Layout.D_GEOM_XPOS, model.ngeom * 3L);
        geomXmat = array(Layout.D_GEOM_XMAT, model.ngeom * 9L);
        siteXpos = array(Layout.D_SITE_XPOS, model.nsite * 3L);
        qfrcActuator = array(Layout.D_QFRC_ACTUATOR, model.nv);
        qfrcConstraint = array(Layout.D_QFRC_CONSTRAINT, model.nv);
        cfrcExt = array(Layout.D_CFRC_EXT, model.nbody * 6L);
    }

    private MemorySegment array(long offset, long doubles) {
        return ptr.get(ADDRESS, offset).reinterpret(doubles * Double.BYTES);
    }

    private record Free(long address) implements Runnable {
        @Override
        public void run() {
            try {
                MuJoCo.Fn.DELETE_DATA.invokeExact(MemorySegment.ofAddress(address));
            } catch (Throwable t) {
                throw MuJoCo.rethrow(t);
            }
        }
    }

    public Model model() {
        return model;
    }

    /** mj_resetData: the model's default state (qpos0, zero velocities and controls, time 0). */
    public void reset() {
        try {
            MuJoCo.Fn.RESET_DATA.invokeExact(mPtr, ptr);
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
    }

    /** mj_step: one time step of the simulation with the current controls. */
    public void step() {
        try {
            MuJoCo.Fn.STEP.invokeExact(mPtr, ptr);
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
    }

    /** mj_forward: positions, velocities and forces of the current state, without stepping. */
    public void forward() {
        try {
            MuJoCo.Fn.FORWARD.invokeExact(mPtr, ptr);
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
    }

    /** mj_rnePostConstraint: fills cfrc_ext (and cacc, cfrc_int), which mj_step leaves stale. */
    public void rnePostConstraint() {
        try {
            MuJoCo.Fn.RNE_POST_CONSTRAINT.invokeExact(mPtr, ptr);
        } catch (Throwable t) {
            throw MuJoCo.rethrow(t);
        }
    }

    public double time() {
        return ptr.get(JAVA_DOUBLE, Layout.D_TIME);
    }

    public double qpos(int i) {
        return qpos.getAtIndex(JAVA_DOUBLE, i);
    }

    public double qvel(int i) {
        return qvel.getAtIndex(JAVA_DOUBLE, i);
    }

    @Override
    public void close() {
        cleanable.clean();
    }
}
