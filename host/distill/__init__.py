"""Distillation of the multimodal teacher into the small IMU(+GPS) student the sideline runs."""
