package dev.asyncrl.mujoco;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Byte offsets of the mjModel and mjData fields the binding uses, for MuJoCo 2.2.2 on a 64-bit
 * platform (mjtNum = double), as {@code native/tools/mujoco_layout.cpp} prints them from the installed
 * headers. MujocoLayoutTest compares every entry of {@link #ALL} with that program's output, so a
 * header that moved a field fails the build rather than reading the wrong memory.
 */
public final class Layout {
    private Layout() {}

    // mjModel: sizes (int) ...
    static final long M_NQ = 0, M_NV = 4, M_NU = 8, M_NBODY = 16, M_NGEOM = 24, M_NSITE = 28;
    /** mjModel.opt.timestep (double) */
    static final long M_TIMESTEP = 232;
    // ... and pointers into the model's buffer
    static final long M_QPOS0 = 1096, M_BODY_MASS = 1240, M_GEOM_TYPE = 1488, M_GEOM_SIZE = 1592, M_GEOM_RGBA = 1664,
            M_ACTUATOR_CTRLRANGE = 2792;
    /** Bytes of mjModel read through the model's pointer (the last field used, plus its own 8). */
    static final long MODEL_BYTES = M_ACTUATOR_CTRLRANGE + 8;

    // mjData: the simulation time (double) and pointers into the data's arena
    static final long D_TIME = 40336, D_QPOS = 40376, D_QVEL = 40384, D_CTRL = 40408, D_XPOS = 40480, D_XQUAT = 40488,
            D_XIPOS = 40504, D_GEOM_XPOS = 40536, D_GEOM_XMAT = 40544, D_SITE_XPOS = 40552, D_CINERT = 40616, D_CVEL = 40960,
            D_QFRC_ACTUATOR = 41088, D_QFRC_CONSTRAINT = 41136, D_CFRC_EXT = 41168;
    static final long DATA_BYTES = D_CFRC_EXT + 8;

    // enums of mjmodel.h
    public static final int OBJ_BODY = 1, OBJ_GEOM = 5, OBJ_SITE = 6;
    public static final int GEOM_PLANE = 0, GEOM_SPHERE = 2, GEOM_CAPSULE = 3, GEOM_ELLIPSOID = 4, GEOM_CYLINDER = 5, GEOM_BOX = 6;

    /** Every value above under the name mujoco_layout prints for it. */
    public static final Map<String, Long> ALL = new LinkedHashMap<>();

    static {
        String[] names = {"mjModel.nq", "mjModel.nv", "mjModel.nu", "mjModel.nbody", "mjModel.ngeom", "mjModel.nsite",
            "mjModel.opt.timestep", "mjModel.qpos0", "mjModel.body_mass", "mjModel.geom_type", "mjModel.geom_size",
            "mjModel.geom_rgba", "mjModel.actuator_ctrlrange",
            "mjData.time", "mjData.qpos", "mjData.qvel", "mjData.ctrl", "mjData.xpos", "mjData.xquat", "mjData.xipos",
            "mjData.geom_xpos", "mjData.geom_xmat", "mjData.site_xpos", "mjData.cinert", "mjData.cvel", "mjData.qfrc_actuator",
            "mjData.qfrc_constraint", "mjData.cfrc_ext",
            "sizeof.mjtNum", "enum.mjOBJ_BODY", "enum.mjOBJ_GEOM", "enum.mjOBJ_SITE", "enum.mjGEOM_PLANE", "enum.mjGEOM_SPHERE",
            "enum.mjGEOM_CAPSULE", "enum.mjGEOM_ELLIPSOID", "enum.mjGEOM_CYLINDER", "enum.mjGEOM_BOX", "version.header",
            "version.library"};
        long[] values = {M_NQ, M_NV, M_NU, M_NBODY, M_NGEOM, M_NSITE, M_TIMESTEP, M_QPOS0, M_BODY_MASS, M_GEOM_TYPE, M_GEOM_SIZE,
            M_GEOM_RGBA, M_ACTUATOR_CTRLRANGE,
            D_TIME, D_QPOS, D_QVEL, D_CTRL, D_XPOS, D_XQUAT, D_XIPOS, D_GEOM_XPOS, D_GEOM_XMAT, D_SITE_XPOS, D_CINERT, D_CVEL,
            D_QFRC_ACTUATOR, D_QFRC_CONSTRAINT, D_CFRC_EXT,
            Double.BYTES, OBJ_BODY, OBJ_GEOM, OBJ_SITE, GEOM_PLANE, GEOM_SPHERE, GEOM_CAPSULE, GEOM_ELLIPSOID, GEOM_CYLINDER,
            GEOM_BOX, MuJoCo.VERSION, MuJoCo.VERSION};
        for (int i = 0; i < names.length; i++) ALL.put(names[i], values[i]);
    }
}
