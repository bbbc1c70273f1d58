/**
 * A simulated MultispeQ for tests, demos and soak runs without hardware: {@link MultispeqSimulator} is the device
 * (firmware-like input parsing, recorded replies, paced output, fault injection configured by
 * {@link SimulatorOptions} and {@link SimulatorFault}); its output goes to a {@link DeviceLink}, either an in-process
 * transport or {@link PtySimulator}, which puts the device behind a real pseudo-terminal made by socat.
 */
package org.openjii.mmi.simulator;
