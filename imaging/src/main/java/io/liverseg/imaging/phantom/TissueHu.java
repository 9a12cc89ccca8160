package io.liverseg.imaging.phantom;

import java.util.SplittableRandom;

/**
 * Per-case HU of each tissue for one contrast phase, with published-typical ranges: enhancement differs by
 * phase (aorta bright in arterial, portal veins brightest in portal-venous, urine bright only when delayed),
 * so a model cannot key on any single absolute value.
 */
final class TissueHu {
    final double[] base = new double[Tissue.COUNT];
    final ContrastPhase phase;
    boolean fatty;
    double liverTextureAmp;
    double spleenTextureAmp;
    double lungGradient;
    double fecesTextureAmp;
    /** Stool texture level above which it is a gas bubble (higher: fewer bubbles). */
    double fecesGas;
    double foodTextureAmp;
    boolean stomachAir;
    boolean colonAir;

    TissueHu(ContrastPhase phase) {
        this.phase = phase;
    }

    static double u(SplittableRandom r, double a, double b) {
        return a + (b - a) * r.nextDouble();
    }

    static TissueHu sample(SplittableRandom r, ContrastPhase phase) {
        TissueHu h = new TissueHu(phase);
        double[] b = h.base;
        boolean nc = phase == ContrastPhase.NON_CONTRAST;
        boolean art = phase == ContrastPhase.ARTERIAL;
        b[Tissue.AIR] = u(r, -1005, -995);
        b[Tissue.GAS] = u(r, -1000, -960);
        b[Tissue.FAT_SUBCUTANEOUS] = u(r, -120, -90);
        b[Tissue.FAT_VISCERAL] = b[Tissue.FAT_SUBCUTANEOUS] + u(r, 0, 20);
        b[Tissue.KIDNEY_SINUS] = b[Tissue.FAT_VISCERAL] + u(r, 0, 15);
        b[Tissue.MUSCLE] = nc ? u(r, 35, 55) : u(r, 45, 70);
        b[Tissue.BONE_CORTEX] = u(r, 650, 1200);
        b[Tissue.BONE_MARROW] = u(r, 130, 330);
        b[Tissue.DISC] = u(r, 70, 110);
        b[Tissue.CSF] = u(r, 0, 20);
        b[Tissue.CARTILAGE] = u(r, 80, 200);
        b[Tissue.LUNG] = u(r, -880, -820);
        b[Tissue.CALCIFICATION] = u(r, 400, 1000);
        b[Tissue.GALLBLADDER] = r.nextDouble() < 0.15 ? u(r, 25, 40) : u(r, 0, 22);
        b[Tissue.GALLSTONE] = u(r, 150, 700);
        b[Tissue.BOWEL_FLUID] = r.nextDouble() < 0.2 ? u(r, 150, 450) : u(r, 5, 30);
        b[Tissue.FECES] = u(r, -150, 10);
        b[Tissue.RENAL_CYST] = u(r, 0, 15);
        b[Tissue.ASCITES] = u(r, 0, 22);
        b[Tissue.CYST] = u(r, -5, 15);
        double stomach = r.nextDouble();
        b[Tissue.STOMACH_CONTENT] = stomach < 0.1 ? u(r, 150, 400) : stomach < 0.4 ? u(r, 20, 60) : u(r, 0, 25);
        h.foodTextureAmp = stomach >= 0.1 && stomach < 0.4 ? u(r, 15, 40) : u(r, 0, 4);
        h.stomachAir = r.nextDouble() < 0.65;
        h.colonAir = r.nextDouble() < 0.8;
        h.fecesTextureAmp = u(r, 40, 120);
        h.fecesGas = u(r, 0.45, 1.2);
        h.lungGradient = u(r, 15, 90);

        double liver = u(r, phase.liverMinHu(), phase.liverMaxHu());
        h.fatty = r.nextDouble() < 0.1;
        if (h.fatty) {
            liver -= u(r, 15, 35);
        }
        b[Tissue.LIVER] = liver;
        h.liverTextureAmp = u(r, 1.5, 6);
        double soft = b[Tissue.MUSCLE];
        switch (phase) {
            case NON_CONTRAST -> {
                double blood = u(r, 32, 50);
                b[Tissue.AORTA] = blood + u(r, -3, 3);
                b[Tissue.IVC] = blood + u(r, -3, 3);
                b[Tissue.HEART_BLOOD] = blood;
                b[Tissue.HEART_MUSCLE] = blood + u(r, -4, 8);
                b[Tissue.PORTAL_VEIN] = blood + u(r, -3, 3);
                b[Tissue.HEPATIC_VEIN] = blood + u(r, -3, 3);
                b[Tissue.KIDNEY_CORTEX] = u(r, 28, 40);
                b[Tissue.KIDNEY_MEDULLA] = b[Tissue.KIDNEY_CORTEX] - u(r, 0, 6);
                b[Tissue.URINE] = u(r, 0, 15);
                b[Tissue.SPLEEN] = (h.fatty ? u(r, 45, 55) : liver - u(r, 0, 12));
                b[Tissue.PANCREAS] = u(r, 32, 50);
                b[Tissue.STOMACH_WALL] = soft + u(r, -5, 5);
                b[Tissue.BOWEL_WALL] = soft + u(r, -5, 5);
                b[Tissue.GALLBLADDER_WALL] = soft;
            }
            case ARTERIAL -> {
                b[Tissue.AORTA] = u(r, 250, 450);
                b[Tissue.IVC] = u(r, 70, 120);
                b[Tissue.HEART_BLOOD] = b[Tissue.AORTA] - u(r, 0, 60);
                b[Tissue.HEART_MUSCLE] = u(r, 90, 130);
                b[Tissue.PORTAL_VEIN] = u(r, 100, 160);
                b[Tissue.HEPATIC_VEIN] = u(r, 50, 85);
                b[Tissue.KIDNEY_CORTEX] = u(r, 140, 220);
                b[Tissue.KIDNEY_MEDULLA] = u(r, 60, 100);
                b[Tissue.URINE] = u(r, 0, 15);
                b[Tissue.SPLEEN] = u(r, 95, 140);
                h.spleenTextureAmp = u(r, 10, 35);
                b[Tissue.PANCREAS] = u(r, 100, 150);
                b[Tissue.STOMACH_WALL] = u(r, 80, 130);
                b[Tissue.BOWEL_WALL] = u(r, 80, 130);
                b[Tissue.GALLBLADDER_WALL] = u(r, 60, 100);
            }
            case PORTAL_VENOUS -> {
                b[Tissue.AORTA] = u(r, 140, 210);
                b[Tissue.IVC] = u(r, 110, 170);
                b[Tissue.HEART_BLOOD] = b[Tissue.AORTA] - u(r, 0, 20);
                b[Tissue.HEART_MUSCLE] = u(r, 90, 120);
                b[Tissue.PORTAL_VEIN] = u(r, 160, 230);
                b[Tissue.HEPATIC_VEIN] = b[Tissue.PORTAL_VEIN] - u(r, 0, 40);
                b[Tissue.KIDNEY_CORTEX] = u(r, 150, 200);
                b[Tissue.KIDNEY_MEDULLA] = b[Tissue.KIDNEY_CORTEX] - u(r, 0, 25);
                b[Tissue.URINE] = u(r, 0, 20);
                b[Tissue.SPLEEN] = liver + u(r, -10, 15);
                b[Tissue.PANCREAS] = u(r, 80, 120);
                b[Tissue.STOMACH_WALL] = u(r, 70, 120);
                b[Tissue.BOWEL_WALL] = u(r, 70, 120);
                b[Tissue.GALLBLADDER_WALL] = u(r, 60, 100);
            }
            case DELAYED -> {
                b[Tissue.AORTA] = u(r, 100, 140);
                b[Tissue.IVC] = b[Tissue.AORTA] + u(r, -5, 5);
                b[Tissue.HEART_BLOOD] = b[Tissue.AORTA];
                b[Tissue.HEART_MUSCLE] = u(r, 80, 100);
                b[Tissue.PORTAL_VEIN] = liver + u(r, 5, 30);
                b[Tissue.HEPATIC_VEIN] = liver + u(r, 5, 30);
                b[Tissue.KIDNEY_CORTEX] = u(r, 120, 160);
                b[Tissue.KIDNEY_MEDULLA] = b[Tissue.KIDNEY_CORTEX] + u(r, 0, 20);
                b[Tissue.URINE] = u(r, 300, 900);
                b[Tissue.SPLEEN] = liver + u(r, -5, 10);
                b[Tissue.PANCREAS] = u(r, 70, 95);
                b[Tissue.STOMACH_WALL] = u(r, 60, 100);
                b[Tissue.BOWEL_WALL] = u(r, 60, 100);
                b[Tissue.GALLBLADDER_WALL] = u(r, 60, 90);
            }
            default -> throw new IllegalStateException("phase " + phase);
        }
        b[Tissue.EXTRAHEPATIC_VEIN] = b[Tissue.PORTAL_VEIN];
        return h;
    }
}
