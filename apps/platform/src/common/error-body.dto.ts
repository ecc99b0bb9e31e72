import { ApiProperty } from '@nestjs/swagger';

/** Every error of the platform's HTTP API has this shape. */
export class ErrorBody {
  @ApiProperty({ example: 404 }) statusCode!: number;
  @ApiProperty({ example: 'NOT_FOUND', description: 'stable, machine-readable' }) code!: string;
  @ApiProperty({ example: 'authorizer not found' }) message!: string;
  @ApiProperty({
    example: '5b0c9a4e-3f7c-4a7e-9d0a-2a1c2b3d4e5f',
    description: 'also in the x-request-id header',
  })
  requestId!: string;
}
