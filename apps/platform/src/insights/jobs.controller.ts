import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ApiAccess } from '../access/access.decorators.js';
import { ErrorBody } from '../common/error-body.dto.js';
import { ShapedIdPipe } from '../dashboard/shaped-id.pipe.js';
import { SEQUENCE_ID, JobDto, JobPageDto, JobQueryDto } from './insights.dto.js';
import { InsightsService } from './insights.service.js';

@ApiTags('console')
@Controller('v1/jobs')
@ApiAccess('operator')
export class JobsController {
  constructor(private readonly insights: InsightsService) {}

  @Get()
  @ApiOperation({
    summary: 'The durable job queue, newest first (never a payload)',
    description: '`status=failed`: the jobs that failed for good, which an operator may retry.',
  })
  @ApiResponse({ status: 200, type: JobPageDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED', type: ErrorBody })
  list(@Query() query: JobQueryDto): Promise<JobPageDto> {
    return this.insights.jobPage(query);
  }

  @Post(':jobId/retry')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a failed job back in the queue, due now (its attempts are kept)',
  })
  @ApiParam({ name: 'jobId', example: '42' })
  @ApiResponse({ status: 200, type: JobDto })
  @ApiResponse({ status: 400, description: 'VALIDATION_FAILED: not a job id', type: ErrorBody })
  @ApiResponse({ status: 404, description: 'NOT_FOUND', type: ErrorBody })
  @ApiResponse({
    status: 409,
    description: 'JOB_NOT_FAILED: the job is pending or done',
    type: ErrorBody,
  })
  retry(@Param('jobId', new ShapedIdPipe('jobId', SEQUENCE_ID)) jobId: string): Promise<JobDto> {
    return this.insights.retryJob(jobId);
  }
}
