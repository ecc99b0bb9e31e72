import { IsBoolean, IsInt, IsOptional, Max, Min } from 'class-validator';

/** `POST /sandbox/components/:componentAppid/full-release-test`. */
export class FullReleaseTestDto {
  /** The group of test accounts (1..5); default one at random, as WeChat picks. */
  @IsOptional() @IsInt() @Min(1) @Max(5) group?: number;
  /** Every group, one after the other (overrides `group`). */
  @IsOptional() @IsBoolean() allGroups?: boolean;
  /** How long to wait for each customer-service answer. Default 10000 ms. */
  @IsOptional() @IsInt() @Min(100) @Max(60_000) waitMs?: number;
}
