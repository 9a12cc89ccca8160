/** The Attention Residual UNet and everything that trains, packages and runs it. */
package io.liverseg.model;
