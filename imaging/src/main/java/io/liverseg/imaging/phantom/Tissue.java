package io.liverseg.imaging.phantom;

/** Tissue classes the phantom distinguishes; each has a per-case HU in {@link TissueHu}. */
final class Tissue {
    static final int AIR = 0;
    static final int FAT_SUBCUTANEOUS = 1;
    static final int MUSCLE = 2;
    static final int BONE_CORTEX = 3;
    static final int BONE_MARROW = 4;
    static final int DISC = 5;
    static final int CSF = 6;
    static final int CARTILAGE = 7;
    static final int LUNG = 8;
    static final int HEART_MUSCLE = 9;
    static final int HEART_BLOOD = 10;
    static final int FAT_VISCERAL = 11;
    static final int AORTA = 12;
    static final int CALCIFICATION = 13;
    static final int IVC = 14;
    static final int KIDNEY_CORTEX = 15;
    static final int KIDNEY_MEDULLA = 16;
    static final int KIDNEY_SINUS = 17;
    static final int URINE = 18;
    static final int SPLEEN = 19;
    static final int GALLBLADDER = 20;
    static final int GALLBLADDER_WALL = 21;
    static final int GALLSTONE = 22;
    static final int STOMACH_WALL = 23;
    static final int STOMACH_CONTENT = 24;
    static final int GAS = 25;
    static final int PANCREAS = 26;
    static final int LIVER = 27;
    static final int PORTAL_VEIN = 28;
    static final int HEPATIC_VEIN = 29;
    static final int TUMOUR = 30;
    static final int CYST = 31;
    static final int EXTRAHEPATIC_VEIN = 32;
    static final int BOWEL_WALL = 33;
    static final int BOWEL_FLUID = 34;
    static final int FECES = 35;
    static final int RENAL_CYST = 36;
    static final int TABLE = 37;
    static final int PADDING = 38;
    static final int ASCITES = 39;
    static final int COUNT = 40;

    /** Names of the tissue codes, by code (lower case, as tissue maps' legends give them). */
    static final String[] NAMES = {
        "air", "fat_subcutaneous", "muscle", "bone_cortex", "bone_marrow", "disc", "csf", "cartilage", "lung",
        "heart_muscle", "heart_blood", "fat_visceral", "aorta", "calcification", "ivc", "kidney_cortex",
        "kidney_medulla", "kidney_sinus", "urine", "spleen", "gallbladder", "gallbladder_wall", "gallstone",
        "stomach_wall", "stomach_content", "gas", "pancreas", "liver", "portal_vein", "hepatic_vein", "tumour",
        "cyst", "extrahepatic_vein", "bowel_wall", "bowel_fluid", "feces", "renal_cyst", "table", "padding",
        "ascites",
    };

    private Tissue() {
    }

    /** Label value of each tissue under a task's convention. */
    static byte[] labels(PhantomTask task) {
        byte[] l = new byte[COUNT];
        l[TUMOUR] = 2;
        if (task == PhantomTask.LIVER) {
            // Task03 liver masks include intrahepatic vessels and benign lesions; only tumour is label 2.
            l[LIVER] = 1;
            l[PORTAL_VEIN] = 1;
            l[HEPATIC_VEIN] = 1;
            l[CYST] = 1;
        } else {
            l[PORTAL_VEIN] = 1;
            l[HEPATIC_VEIN] = 1;
        }
        return l;
    }

    static boolean isLiver(int t) {
        return t == LIVER || t == PORTAL_VEIN || t == HEPATIC_VEIN || t == CYST;
    }
}
