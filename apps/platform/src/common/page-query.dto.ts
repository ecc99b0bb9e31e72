import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** A comma-separated list in a query string (`?status=authorized,revoked`). */
export const commaList = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' ? value.split(',').filter((v) => v !== '') : value;

/** The page size of every paged list of the admin API. */
export class PageLimitQueryDto {
  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 200, description: 'default 50' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;
}
