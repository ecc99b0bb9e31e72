import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_SETTINGS,
  SANDBOX_OPTIONS,
  SandboxOptions,
  SandboxSettings,
} from '../sandbox.options.js';

/** The run-time settings (GET/PUT /sandbox/settings): lifetimes, push timing and attempts. */
@Injectable()
export class SettingsStore {
  private settings: SandboxSettings;

  constructor(@Inject(SANDBOX_OPTIONS) private readonly startOptions: SandboxOptions) {
    this.settings = this.initial();
  }

  /** The settings in force; a new object after every update, so callers may keep a reference. */
  get current(): SandboxSettings {
    return this.settings;
  }

  update(patch: Partial<SandboxSettings>): SandboxSettings {
    this.settings = { ...this.settings, ...patch };
    return this.settings;
  }

  /** Back to the start-up settings. */
  reset(): void {
    this.settings = this.initial();
  }

  private initial(): SandboxSettings {
    return { ...DEFAULT_SETTINGS, ...this.startOptions.settings };
  }
}
